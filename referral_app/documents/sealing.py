"""Authenticated encryption of a document, chunk by chunk, in constant memory.

A document can be tens of megabytes and must never be held whole, so it is not
sealed as one AES-GCM message. It follows the STREAM construction (Hoang,
Reyhanitabar, Rogaway and Vizár, "Online Authenticated-Encryption and its
Nonce-Reuse Misuse-Resistance", CRYPTO 2015) over AES-256-GCM:

- the plaintext is cut into ``CHUNK_SIZE`` pieces; each is sealed on its own
  (ciphertext plus a 16-byte tag), so either side works one chunk at a time;
- chunk *i* uses the nonce ``prefix (7 random bytes) ‖ i (4 bytes, big-endian) ‖
  last (1 byte: 1 for the final chunk, else 0)``. The counter makes a chunk
  valid only at its own position (reordering fails); the last flag makes the end
  explicit (cutting the stream at a chunk boundary leaves no final chunk and
  fails, appending after the final chunk fails); the random prefix keeps nonces
  of two documents apart even under the same key;
- every chunk has the storage key as associated data, so the object cannot be
  moved under another document's name and opened there.

Layout: ``b"PSD1"`` ‖ prefix ‖ sealed chunks. Every chunk but the last holds
exactly ``CHUNK_SIZE`` bytes and the last holds fewer (possibly none), so the
layout, and ``sealed_size``, follow from the plaintext size alone.

Each document has its own random data key; the patient-data keys
(``PATIENT_DATA_KEYS``, a MultiFernet) wrap it, so a key rotation re-wraps, and
``documents.service.rotate_all`` re-seals the bytes under a new data key.

Decryption is streaming too: chunks come out as they are authenticated, and a
later chunk can still fail. A caller must treat what it received as valid only
once the iterator has finished without ``DocumentIntegrityError``.
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
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
MAX_CHUNKS = 2**32  # the counter's four bytes


class DocumentIntegrityError(Exception):
    """The sealed bytes were altered, cut short, extended or opened with the wrong key."""


def new_data_key() -> bytes:
    """A fresh random AES-256 key for one document."""
    return AESGCM.generate_key(bit_length=256)


def wrap_key(data_key: bytes) -> str:
    """The data key encrypted under the first patient-data key (needs an app context)."""
    return patient_data.fernet().encrypt(data_key).decode()


def unwrap_key(token: str) -> bytes:
    """The data key back from ``wrap_key``'s token; any configured key opens it.

    Raises ``cryptography.fernet.InvalidToken`` when none does.
    """
    return patient_data.fernet().decrypt(token.encode())


def sealed_size(plain_size: int) -> int:
    """Header, bytes and one tag per chunk; the final chunk may be empty."""
    if plain_size < 0:
        raise ValueError("a size is not negative")
    return HEADER_SIZE + plain_size + (plain_size // CHUNK_SIZE + 1) * TAG_SIZE


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise ValueError("too many chunks for one document")
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
    """The header, then each chunk sealed; ``plaintext`` may come in pieces of any size.

    A chunk is held back until the next one exists (or the input ends), since
    only then is it known whether it is the last.
    """
    aead, prefix = AESGCM(data_key), os.urandom(PREFIX_SIZE)
    yield MAGIC + prefix
    chunks = _rechunk(plaintext, CHUNK_SIZE)
    counter, held = 0, next(chunks)
    for chunk in chunks:
        yield aead.encrypt(_nonce(prefix, counter, False), held, aad)
        counter, held = counter + 1, chunk
    yield aead.encrypt(_nonce(prefix, counter, True), held, aad)


def decrypt_chunks(data_key: bytes, ciphertext: Iterable[bytes], aad: bytes) -> Iterator[bytes]:
    """The plaintext, chunk by chunk, from sealed bytes in pieces of any size.

    Raises ``DocumentIntegrityError`` for anything but what ``encrypt_chunks``
    made with this key and ``aad``.
    """
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
    del header
    # A full-size sealed chunk is never the last one, so the final chunk is the
    # short remainder: after a truncation at a boundary that remainder is empty
    # and fails as the final chunk; bytes appended make a chunk after the final.
    sealed = _rechunk(_chain(rest, pieces), SEALED_CHUNK_SIZE)
    counter, current = 0, next(sealed)
    for following in sealed:
        yield _open(aead, prefix, counter, False, current, aad)
        counter, current = counter + 1, following
    yield _open(aead, prefix, counter, True, current, aad)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _open(aead: AESGCM, prefix: bytes, counter: int, last: bool, chunk: bytes, aad: bytes) -> bytes:
    try:
        return aead.decrypt(_nonce(prefix, counter, last), chunk, aad)
    except (InvalidTag, ValueError):
        raise DocumentIntegrityError("a chunk failed authentication") from None
