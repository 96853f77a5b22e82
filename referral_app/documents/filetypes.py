"""A file's type, decided from its first bytes, never from its name or the browser's word.

Accepted: PDF, JPEG, PNG and TIFF, recognised by their signatures (the
``filetype`` package), and plain UTF-8 text. Any other format ``filetype``
recognises (zip and so docx, executables, GIF…) is refused. Text is refused when
it holds control characters, is not UTF-8, or starts like markup a browser
would render (HTML, SVG, XML).

Some signatures are a few printable letters ("BM" for a bitmap, "ID3" for an
MP3), so a note starting "BMI 24…" looks like a bitmap to ``filetype``: a head
that is clean text throughout is text, whatever such a signature says. RTF and
PostScript are text formats of their own and stay refused.
"""

from __future__ import annotations

import codecs
import re

import filetype

ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "text/plain": ".txt",
}
SNIFF_BYTES = 8192

# Formats made of text that we still refuse: they are not plain notes.
TEXT_FORMATS = frozenset({"application/rtf", "application/postscript"})
# What browsers sniff as HTML (the WHATWG MIME Sniffing standard's patterns, each
# followed by a space or ">"), any doctype, SVG and XML; after an optional BOM
# and whitespace, in any case.
LOOKS_LIKE_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<(?:"
    rb"(?:html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|svg|!--)[\s>/]"
    rb"|!doctype|\?xml)",
    re.IGNORECASE,
)
# C0 controls but tab, line feed, form feed and carriage return; and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff(head: bytes) -> str | None:
    """The MIME type of a file starting with ``head``, if it is one we accept.

    ``head`` is the file's first ``SNIFF_BYTES`` bytes; a shorter head is taken
    to be the whole file (a UTF-8 character may then not be cut at its end).
    """
    if not head:
        return None
    found = filetype.guess_mime(head)
    if found in ALLOWED_TYPES:
        return found
    if found in TEXT_FORMATS:
        return None
    return "text/plain" if _is_plain_text(head) else None


def _is_plain_text(head: bytes) -> bool:
    if LOOKS_LIKE_MARKUP.match(head):
        return False
    text = _decode_head(head, whole_file=len(head) < SNIFF_BYTES)
    return text is not None and not CONTROL.search(text)


def _decode_head(head: bytes, *, whole_file: bool) -> str | None:
    """UTF-8, allowing a character cut at the end when the head is not the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(head, final=whole_file)
    except UnicodeDecodeError:
        return None
