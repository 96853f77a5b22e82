"""Chunked sealing (STREAM over AES-GCM), the data keys' wrapping, the sealed upload spool.

Content sniffing, storage and thumbnails have their own test modules.
"""

from __future__ import annotations

import os
import tracemalloc

import pytest
from cryptography.fernet import Fernet, InvalidToken

from referral_app import patient_data
from referral_app.documents import sealing
from referral_app.documents.uploads import SealedSpool
from tests.documents import samples

C = sealing.CHUNK_SIZE
SEALED = C + sealing.TAG_SIZE
H = sealing.HEADER_SIZE
AAD = b"0123456789abcdef0123456789abcdef"


def _seal(data: bytes, key: bytes, piece: int = 1000, aad: bytes = AAD) -> bytes:
    pieces = (data[i : i + piece] for i in range(0, len(data), piece))
    return b"".join(sealing.encrypt_chunks(key, pieces, aad))


def _open(sealed: bytes, key: bytes, aad: bytes = AAD, piece: int = 777) -> bytes:
    pieces = (sealed[i : i + piece] for i in range(0, len(sealed), piece))
    return b"".join(sealing.decrypt_chunks(key, pieces, aad))


def _chunks(sealed: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the sealed chunks of a sealed document."""
    body = sealed[H:]
    return sealed[:H], [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


@pytest.fixture(scope="module")
def three_chunks() -> tuple[bytes, bytes, bytes]:
    """A key, a plaintext of three full chunks and a short one, and its sealed bytes."""
    key = sealing.new_data_key()
    data = os.urandom(3 * C + 100)
    return key, data, _seal(data, key)


# -- Round trips -----------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, C - 1, C, C + 1, 3 * C])
@pytest.mark.parametrize(("piece_in", "piece_out"), [(1000, 777), (C + 1, 1), (7 * C, 5 * SEALED)])
def test_round_trip_at_every_boundary(size, piece_in, piece_out):
    key, data = sealing.new_data_key(), os.urandom(size)
    if piece_out == 1 and size > C + 1:
        piece_out = 4099  # byte by byte is slow; the small sizes cover it
    sealed = _seal(data, key, piece_in)
    assert len(sealed) == sealing.sealed_size(size)
    assert sealed[:4] == b"PSD1"
    assert _open(sealed, key, piece=piece_out) == data


def test_the_pieces_given_do_not_change_the_chunks():
    key, data = sealing.new_data_key(), os.urandom(2 * C + 5)
    one_piece = list(sealing.encrypt_chunks(key, [data], AAD))
    many = list(sealing.encrypt_chunks(key, (data[i : i + 3] for i in range(0, len(data), 3)), AAD))
    assert [len(c) for c in one_piece] == [len(c) for c in many] == [H, SEALED, SEALED, 5 + 16]
    assert [len(c) for c in sealing.encrypt_chunks(key, [], AAD)] == [H, 16]


def test_sealed_size():
    assert sealing.sealed_size(0) == H + 16
    assert sealing.sealed_size(C) == H + C + 2 * 16  # a full chunk, then an empty final one
    assert sealing.sealed_size(C + 1) == H + C + 1 + 2 * 16
    with pytest.raises(ValueError):
        sealing.sealed_size(-1)


def test_two_sealings_of_the_same_file_differ():
    key, data = sealing.new_data_key(), b"same bytes"
    assert _seal(data, key) != _seal(data, key)  # a fresh nonce prefix each time


def test_the_plaintext_is_not_in_the_sealed_bytes():
    pdf = samples.pdf_with_text("Adenocarcinome pulmonaire EGFR exon 19")
    assert b"Adenocarcinome" in pdf  # the sample keeps its text in the clear
    key = sealing.new_data_key()
    sealed = _seal(pdf, key)
    assert b"Adenocarcinome" not in sealed and b"%PDF" not in sealed
    assert _open(sealed, key) == pdf


# -- Every change is refused ---------------------------------------------------------


def test_one_byte_changed_anywhere_is_refused(three_chunks):
    key, _data, sealed = three_chunks
    positions = set(range(H + 2))  # the magic, the nonce prefix, the first bytes
    for start in range(H, len(sealed), SEALED):  # each chunk: first, middle, tag, last
        positions |= {start, start + 1, start + SEALED // 2, start + SEALED - 16}
        positions |= {start + SEALED - 1}
    positions |= {len(sealed) - 1}
    for position in sorted(p for p in positions if p < len(sealed)):
        altered = bytearray(sealed)
        altered[position] ^= 0x01
        with pytest.raises(sealing.DocumentIntegrityError):
            _open(bytes(altered), key)


@pytest.mark.parametrize("cut", ["header only", "1 chunk", "2 chunks", "3 chunks", "mid-chunk"])
def test_a_truncation_is_refused(three_chunks, cut):
    key, _data, sealed = three_chunks
    length = {
        "header only": H,
        "1 chunk": H + SEALED,
        "2 chunks": H + 2 * SEALED,
        "3 chunks": H + 3 * SEALED,  # everything but the short final chunk
        "mid-chunk": H + SEALED + 500,
    }[cut]
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed[:length], key)
    for short in (b"", sealed[:3], sealed[: H - 1]):
        with pytest.raises(sealing.DocumentIntegrityError):
            _open(short, key)


def test_a_truncated_empty_document_is_refused():
    key = sealing.new_data_key()
    sealed = _seal(b"", key)
    assert _open(sealed, key) == b""
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed[:H], key)


def test_swapped_chunks_are_refused(three_chunks):
    key, _data, sealed = three_chunks
    header, chunks = _chunks(sealed)
    for i, j in ((0, 1), (1, 2), (0, 2)):
        swapped = list(chunks)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        with pytest.raises(sealing.DocumentIntegrityError):
            _open(header + b"".join(swapped), key)


def test_anything_appended_is_refused(three_chunks):
    key, _data, sealed = three_chunks
    header, chunks = _chunks(sealed)
    for extra in (b"x", b"\x00" * 16, chunks[-1], chunks[0], _seal(b"more", key)[H:]):
        with pytest.raises(sealing.DocumentIntegrityError):
            _open(sealed + extra, key)


def test_a_chunk_of_another_document_is_refused(three_chunks):
    key, data, sealed = three_chunks
    header, chunks = _chunks(sealed)
    _other_header, others = _chunks(_seal(data, key))  # same key, same plaintext
    spliced = header + chunks[0] + others[1] + b"".join(chunks[2:])
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(spliced, key)


def test_the_wrong_aad_or_key_or_magic_is_refused(three_chunks):
    key, data, sealed = three_chunks
    assert _open(sealed, key) == data
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed, key, aad=b"fedcba9876543210fedcba9876543210")  # moved under another key
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed, key, aad=b"")
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(sealed, sealing.new_data_key())
    with pytest.raises(sealing.DocumentIntegrityError, match="not a sealed document"):
        _open(b"PSD2" + sealed[4:], key)
    with pytest.raises(sealing.DocumentIntegrityError):
        _open(data, key)  # plaintext given as if sealed


# -- Memory --------------------------------------------------------------------------


def _fifty_megabytes():
    block = os.urandom(10_000)  # pieces that do not line up with the chunks
    for _ in range(5_243):
        yield block


def test_encrypting_50_mb_holds_only_a_few_chunks():
    key = sealing.new_data_key()
    tracemalloc.start()
    try:
        total = sum(len(c) for c in sealing.encrypt_chunks(key, _fifty_megabytes(), AAD))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == sealing.sealed_size(5_243 * 10_000)
    assert peak < 2 * 1024 * 1024


def test_decrypting_50_mb_holds_only_a_few_chunks():
    key = sealing.new_data_key()
    tracemalloc.start()
    try:
        sealed = sealing.encrypt_chunks(key, _fifty_megabytes(), AAD)
        total = sum(len(c) for c in sealing.decrypt_chunks(key, sealed, AAD))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 5_243 * 10_000
    assert peak < 2 * 1024 * 1024


# -- The data keys ---------------------------------------------------------------------


def test_a_data_key_is_32_random_bytes():
    first = sealing.new_data_key()
    assert isinstance(first, bytes) and len(first) == 32
    assert first != sealing.new_data_key()


def test_wrap_and_unwrap(app):
    data_key = sealing.new_data_key()
    token = sealing.wrap_key(data_key)
    assert isinstance(token, str) and data_key.hex() not in token
    assert sealing.unwrap_key(token) == data_key


def test_wrapped_keys_survive_a_key_rotation(app, monkeypatch):
    data_key = sealing.new_data_key()
    old_token = sealing.wrap_key(data_key)
    old_keys = list(app.config["PATIENT_DATA_KEYS"])
    new = Fernet.generate_key().decode()

    monkeypatch.setitem(app.config, "PATIENT_DATA_KEYS", [new, *old_keys])
    assert sealing.unwrap_key(old_token) == data_key  # the old key still opens it
    new_token = patient_data.fernet().rotate(old_token.encode()).decode()  # re-wrapped
    assert sealing.unwrap_key(new_token) == data_key

    monkeypatch.setitem(app.config, "PATIENT_DATA_KEYS", [new])  # the old key retired
    assert sealing.unwrap_key(new_token) == data_key
    assert sealing.unwrap_key(sealing.wrap_key(data_key)) == data_key  # wraps with the new
    with pytest.raises(InvalidToken):
        sealing.unwrap_key(old_token)


# -- The sealed upload spool (documents.uploads) -------------------------------------------


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
