"""How an uploaded file is received: larger bodies where documents are sent, never in the clear.

Werkzeug spools a multipart file over 500 KB to a temporary file: the clinical
document would touch the disk in the clear before the view seals it. The app's
``Request`` spools every uploaded file into a ``SealedSpool`` instead: a
temporary file whose chunks are encrypted (AES-GCM) under a key that only the
spool object holds, in memory, and that disappears with it.

The request body limit (``MAX_CONTENT_LENGTH``, 2 MB) is raised only for the
endpoints in ``UPLOAD_ENDPOINTS``, to what one upload may carry.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import IO

import flask
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import request

# The views that receive documents: the documents pages and API, and the answer
# to an information request, which may carry files.
UPLOAD_ENDPOINTS = frozenset(
    {
        "documents.upload",
        "documents.replace",
        "referrals.transition",
        "api_referrals.upload_documents",
    }
)
# Room for the multipart framing and the text fields around the files.
FRAMING_BYTES = 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """One file as it arrives: its stream, the name it had, what the user said it is."""

    stream: IO[bytes]
    filename: str = ""
    category: str | None = None
    title: str | None = None


def for_script(response):
    """A redirect, as JSON ``{"location": …}`` when the page's script sent the upload.

    The script follows it itself: had the browser followed the redirect inside
    the request, the page it fetched would have shown, and used up, the flash.
    """
    if request.headers.get("X-Upload") == "xhr" and response.status_code in (302, 303):
        return flask.jsonify(location=response.headers["Location"])
    return response


def upload_limit(config) -> int:
    per_request = config["DOCUMENT_MAX_BYTES"] * config["DOCUMENT_MAX_FILES_PER_UPLOAD"]
    return min(per_request, config["REFERRAL_DOCUMENTS_MAX_BYTES"]) + FRAMING_BYTES


def uploads_from_form() -> list[Upload]:
    """The form's files with their category and title.

    Each file may have its own ``category-<n>`` and ``title-<n>`` (the page's
    script adds them per file); otherwise the form's ``category`` applies to all,
    and ``title`` to a single file.
    """
    files = [f for f in request.files.getlist("files") if f and (f.filename or f.content_length)]
    form = request.form
    return [
        Upload(
            stream=f.stream,
            filename=f.filename or "",
            category=form.get(f"category-{n}") or form.get("category"),
            title=form.get(f"title-{n}") or (form.get("title") if len(files) == 1 else None),
        )
        for n, f in enumerate(files)
    ]


class SealedSpool:
    """A write-then-read temporary file, sealed chunk by chunk under a one-time key.

    Werkzeug writes the part, seeks to 0, and the view reads it (any number of
    times, each from a ``seek(0)``). Nonces are the chunk's counter: the key is
    fresh for every spool, so no nonce repeats under one key.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the spool)
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self._pending = bytearray()
        self._chunks = 0
        self._writing = True
        self._read_index = 0
        self._plain = b""
        self.closed = False

    # -- writing --
    def write(self, data: bytes) -> int:
        if not self._writing:
            raise OSError("a sealed spool is written once, then read")
        self._pending += data
        while len(self._pending) >= CHUNK:
            self._seal(bytes(self._pending[:CHUNK]))
            del self._pending[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes) -> None:
        sealed = self._aead.encrypt(self._nonce(self._chunks), chunk, None)
        self._file.write(len(sealed).to_bytes(4, "big") + sealed)
        self._chunks += 1

    @staticmethod
    def _nonce(index: int) -> bytes:
        return index.to_bytes(12, "big")

    # -- reading --
    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if (offset, whence) == (0, os.SEEK_END) and self._writing:
            return self._chunks * CHUNK + len(self._pending)
        if offset != 0 or whence != os.SEEK_SET:
            raise OSError("a sealed spool is read from its start only")
        if self._writing:
            if self._pending or self._chunks == 0:
                self._seal(bytes(self._pending))
                self._pending.clear()
            self._writing = False
        self._file.seek(0)
        self._read_index, self._plain = 0, b""
        return 0

    def tell(self) -> int:
        return 0 if not self._writing else self._chunks * CHUNK + len(self._pending)

    def read(self, size: int = -1) -> bytes:
        if self._writing:
            self.seek(0)
        pieces, wanted = [], size if size is not None and size >= 0 else None
        have = 0
        while wanted is None or have < wanted:
            if not self._plain:
                self._plain = self._open_next()
                if not self._plain:
                    break
            take = self._plain if wanted is None else self._plain[: wanted - have]
            self._plain = self._plain[len(take) :]
            pieces.append(take)
            have += len(take)
        return b"".join(pieces)

    def _open_next(self) -> bytes:
        header = self._file.read(4)
        if len(header) < 4:
            return b""
        sealed = self._file.read(int.from_bytes(header, "big"))
        plain = self._aead.decrypt(self._nonce(self._read_index), sealed, None)
        self._read_index += 1
        return plain or self._open_next()

    def readline(self, size: int = -1) -> bytes:
        line = bytearray()
        while size < 0 or len(line) < size:
            byte = self.read(1)
            if not byte:
                break
            line += byte
            if byte == b"\n":
                break
        return bytes(line)

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return self._writing

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True
        self._file.close()

    def __iter__(self):
        return iter(lambda: self.read(CHUNK), b"")


class Request(flask.Request):
    """Flask's request, with sealed upload spools and a larger limit where files are sent."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return SealedSpool()

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self._receives_documents():
            return upload_limit(flask.current_app.config)
        return flask.Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        flask.Request.max_content_length.fset(self, value)

    def _receives_documents(self) -> bool:
        rule = self.url_rule
        return rule is not None and rule.endpoint in UPLOAD_ENDPOINTS and flask.has_app_context()
