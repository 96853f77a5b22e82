"""Authenticated encryption of a document, chunk by chunk, in constant memory.

The STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, 2015) over
AES-256-GCM: the plaintext is cut into ``CHUNK_SIZE`` pieces, each sealed with
the nonce ``prefix (7 random bytes) ‖ counter (4 bytes) ‖ last (1 byte)`` and the
storage key as associated data. Reordering, dropping, truncating or extending
the chunks, or moving the object under another key, fails authentication.

Each document has its own random data key; the patient-data keys
(``PATIENT_DATA_KEYS``, a MultiFernet) wrap it, so a key rotation re-wraps, and
``documents.service.rotate_all`` re-seals the bytes under a new data key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from referral_app import patient_data

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
MAGIC = b"PSD1"
PREFIX_SIZE = 7
HEADER_SIZE = len(MAGIC) + PREFIX_SIZE


class DocumentIntegrityError(Exception):
    """The sealed bytes were altered, cut short, extended or opened with the wrong key."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap_key(data_key: bytes) -> str:
    return patient_data.fernet().encrypt(data_key).decode()


def unwrap_key(token: str) -> bytes:
    return patient_data.fernet().decrypt(token.encode())


def sealed_size(plain_size: int) -> int:
    """Header, bytes and one tag per chunk; the final chunk may be empty."""
    return HEADER_SIZE + plain_size + (plain_size // CHUNK_SIZE + 1) * TAG_SIZE


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _rechunk(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Full ``size`` pieces, then the rest (possibly empty): always at least one."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    yield bytes(buffer)


def encrypt_chunks(data_key: bytes, plaintext: Iterable[bytes], aad: bytes) -> Iterator[bytes]:
    aead, prefix = AESGCM(data_key), os.urandom(PREFIX_SIZE)
    yield MAGIC + prefix
    chunks = _rechunk(plaintext, CHUNK_SIZE)
    counter, held = 0, next(chunks)
    for chunk in chunks:
        yield aead.encrypt(_nonce(prefix, counter, False), held, aad)
        counter, held = counter + 1, chunk
    yield aead.encrypt(_nonce(prefix, counter, True), held, aad)


def decrypt_chunks(data_key: bytes, ciphertext: Iterable[bytes], aad: bytes) -> Iterator[bytes]:
    aead = AESGCM(data_key)
    pieces = iter(ciphertext)
    header = bytearray()
    for piece in pieces:
        header += piece
        if len(header) >= HEADER_SIZE:
            break
    if len(header) < HEADER_SIZE or header[: len(MAGIC)] != MAGIC:
        raise DocumentIntegrityError("not a sealed document")
    prefix, rest = bytes(header[len(MAGIC) : HEADER_SIZE]), bytes(header[HEADER_SIZE:])
    sealed = _rechunk(_chain(rest, pieces), CHUNK_SIZE + TAG_SIZE)
    counter, current = 0, next(sealed)
    for following in sealed:
        yield _open(aead, prefix, counter, False, current, aad)
        counter, current = counter + 1, following
    yield _open(aead, prefix, counter, True, current, aad)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _open(aead: AESGCM, prefix: bytes, counter: int, last: bool, chunk: bytes, aad: bytes):
    try:
        return aead.decrypt(_nonce(prefix, counter, last), chunk, aad)
    except (InvalidTag, ValueError):
        raise DocumentIntegrityError("a chunk failed authentication") from None
