"""Sample files for the document tests: a real PDF poppler renders, image signatures, text."""

from __future__ import annotations

import struct
import zlib

from referral_app.documents.samplefiles import simple_pdf as pdf_with_text

__all__ = ["pdf_with_text", "png_bytes", "jpeg_header", "tiff_header", "text_bytes"]


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_header() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def tiff_header() -> bytes:
    return b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64


def text_bytes() -> bytes:
    return "Résumé de pathologie : adénocarcinome, EGFR exon 19.\n".encode()
