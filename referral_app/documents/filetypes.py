"""A file's type, decided from its first bytes, never from its name or the browser's word.

Accepted: PDF, JPEG, PNG, TIFF (by their signatures) and plain UTF-8 text without
control characters. Text a browser would take for HTML is refused.
"""

from __future__ import annotations

import re

ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "text/plain": ".txt",
}
SNIFF_BYTES = 8192

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
# Other binary formats start with bytes that are not text anyway; these ASCII
# ones would pass for text.
LOOKS_LIKE_MARKUP = re.compile(rb"^\s*<(!doctype|html|script|svg|\?xml|head|body|iframe)", re.I)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff(head: bytes) -> str | None:
    """The MIME type of a file starting with ``head``, if it is one we accept."""
    if not head:
        return None
    for signature, mime in SIGNATURES:
        if head.startswith(signature):
            return mime
    return "text/plain" if _is_plain_text(head) else None


def _is_plain_text(head: bytes) -> bool:
    if LOOKS_LIKE_MARKUP.match(head):
        return False
    text = _decode_head(head)
    return text is not None and not CONTROL.search(text)


def _decode_head(head: bytes) -> str | None:
    """UTF-8, allowing a character cut at the end of the head (up to 3 bytes)."""
    for cut in range(4):
        try:
            return head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None
