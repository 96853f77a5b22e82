"""The building blocks: chunked sealing, content sniffing, the sealed upload spool."""

from __future__ import annotations

import os
import tracemalloc

import pytest
from cryptography.fernet import Fernet

from referral_app.documents import filetypes, sealing, thumbnails
from referral_app.documents.storage import LocalStorage, StoredObjectMissing, new_key
from referral_app.documents.uploads import SealedSpool
from tests.documents import samples

C = sealing.CHUNK_SIZE
AAD = b"0123456789abcdef0123456789abcdef"


def _seal(data: bytes, key: bytes, piece: int = 1000) -> bytes:
    pieces = (data[i : i + piece] for i in range(0, len(data), piece))
    return b"".join(sealing.encrypt_chunks(key, pieces, AAD))


def _open(sealed: bytes, key: bytes, aad: bytes = AAD, piece: int = 777) -> bytes:
    pieces = (sealed[i : i + piece] for i in range(0, len(sealed), piece))
    return b"".join(sealing.decrypt_chunks(key, pieces, aad))


@pytest.mark.parametrize("size", [0, 1, C - 1, C, C + 1, 3 * C])
def test_round_trip_at_every_boundary(size):
    key, data = sealing.new_data_key(), os.urandom(size)
    sealed = _seal(data, key)
    assert len(sealed) == sealing.sealed_size(size)
    assert _open(sealed, key) == data


def test_any_change_is_refused():
    key = sealing.new_data_key()
    data = b"Adenocarcinoma " * 10_000  # three chunks
    sealed = _seal(data, key)
    header, body = sealed[: sealing.HEADER_SIZE], sealed[sealing.HEADER_SIZE :]
    first, second = body[: C + 16], body[C + 16 : 2 * (C + 16)]
    rest = body[2 * (C + 16) :]
    altered = [
        sealed[:100] + bytes([sealed[100] ^ 1]) + sealed[101:],  # one bit
        header + first,  # truncated at a chunk boundary
        header + second + first + rest,  # reordered
        sealed + b"more",  # extended
        b"XXXX" + sealed[4:],  # not ours
    ]
    for bad in altered:
        with pytest.raises(sealing.DocumentIntegrityError):
            _open(bad, key)
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed, key, aad=b"another object")
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed, sealing.new_data_key())
    assert b"Adenocarcinoma" not in sealed


def test_memory_does_not_grow_with_the_file():
    key = sealing.new_data_key()

    def fifty_megabytes():
        block = os.urandom(C)
        for _ in range(800):
            yield block

    tracemalloc.start()
    for _piece in sealing.encrypt_chunks(key, fifty_megabytes(), AAD):
        pass
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_data_keys_are_wrapped_by_the_patient_keys_and_survive_a_rotation(app):
    data_key = sealing.new_data_key()
    token = sealing.wrap_key(data_key)
    old = list(app.config["PATIENT_DATA_KEYS"])
    app.config["PATIENT_DATA_KEYS"] = [Fernet.generate_key().decode(), *old]
    try:
        assert sealing.unwrap_key(token) == data_key  # the old key still opens it
        app.config["PATIENT_DATA_KEYS"] = app.config["PATIENT_DATA_KEYS"][:1]
        with pytest.raises(Exception):  # noqa: B017 (InvalidToken, whatever the wrapper)
            sealing.unwrap_key(token)
    finally:
        app.config["PATIENT_DATA_KEYS"] = old


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (samples.pdf_with_text("x"), "application/pdf"),
        (samples.png_bytes(), "image/png"),
        (samples.jpeg_header(), "image/jpeg"),
        (samples.tiff_header(), "image/tiff"),
        (samples.text_bytes(), "text/plain"),
        ("é".encode() * 10 + "é".encode()[:1], "text/plain"),  # a character cut at the end
        (b"<!DOCTYPE html><script>alert(1)</script>", None),
        (b"  <svg onload=alert(1)>", None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows program
        (b"\x7fELF\x02\x01\x01", None),
        (b"PK\x03\x04\x14\x00", None),  # zip, docx
        (b"GIF89a\x01\x00", None),
        ("Résumé".encode("latin-1"), None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_content(content, expected):
    assert filetypes.sniff(content[: filetypes.SNIFF_BYTES]) == expected


def test_the_upload_spool_never_holds_the_plaintext():
    spool = SealedSpool()
    data = b"Adenocarcinoma EGFR " * 20_000
    for i in range(0, len(data), 5000):
        spool.write(data[i : i + 5000])
    spool.seek(0)
    assert spool.read(10) + spool.read() == data
    spool.seek(0)
    assert b"".join(iter(lambda: spool.read(4096), b"")) == data
    spool._file.seek(0)
    assert b"Adenocarcinoma" not in spool._file.read()
    spool.close()


def test_local_storage_is_atomic_and_refuses_strange_keys(tmp_path):
    store = LocalStorage(tmp_path)
    key = new_key()
    assert store.put(key, [b"abc", b"def"]) == 6
    assert b"".join(store.get(key)) == b"abcdef" and store.exists(key)

    def broken():
        yield b"half"
        raise OSError("disk full")

    other = new_key()
    with pytest.raises(OSError):
        store.put(other, broken())
    assert not store.exists(other)
    assert [p.name for p in tmp_path.rglob(".incoming-*")] == []
    with pytest.raises(StoredObjectMissing):
        store.get(other)
    for bad in ("../etc/passwd", "ABC", "", key + "/x"):
        with pytest.raises(ValueError):
            store.exists(bad)
    store.delete(key)
    store.delete(key)  # twice: no error
    assert not store.exists(key)


def test_a_pdf_first_page_becomes_a_png(monkeypatch):
    if not thumbnails.available():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("pdftoppm (poppler-utils) is required")
        pytest.skip("pdftoppm is not installed")
    png = thumbnails.render_first_page(samples.pdf_with_text("Adenocarcinoma"))
    assert png is not None and png.startswith(b"\x89PNG")
    assert thumbnails.render_first_page(b"%PDF-1.4 broken") is None
    monkeypatch.setenv("PATH", "")
    assert thumbnails.render_first_page(samples.pdf_with_text("x")) is None
