"""Where sealed documents live: a small interface, a local directory, an S3 bucket.

Only sealed bytes are ever given to a storage. ``DOCUMENT_STORAGE=local`` (the
default) keeps them under ``DOCUMENT_STORAGE_DIR`` (``instance/documents``);
``DOCUMENT_STORAGE=s3`` puts them in ``DOCUMENT_S3_BUCKET`` of an S3-compatible
store (boto3; credentials from the standard ``AWS_*`` variables).

Both backends stream both ways (memory does not grow with the object), and a
``put`` is all or nothing: an object that failed half-way is never visible
under its key. Keys are ``uuid4().hex`` with an optional short suffix; anything
else is refused before it reaches a path or a bucket.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

log = logging.getLogger(__name__)

KEY_FORMAT = re.compile(r"^[0-9a-f]{32}(\.[a-z]{1,8})?$")
READ_SIZE = 64 * 1024
PART_SIZE = 8 * 1024 * 1024  # S3 parts are at least 5 MiB but the last
STORAGE_KINDS = ("local", "s3")


class StoredObjectMissing(Exception):  # noqa: N818 (a state)
    """No object under this key."""


class Storage(Protocol):
    """Sealed objects by key. Every method refuses a key ``validate_key`` refuses."""

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the chunks under ``key`` (replacing any object); bytes written.

        Atomic: if ``chunks`` or the store fails, nothing new is under ``key``.
        """

    def get(self, key: str) -> Iterator[bytes]:
        """The object's bytes, streamed; ``StoredObjectMissing`` when there is none."""

    def delete(self, key: str) -> None:
        """Remove the object; no error when there is none."""

    def exists(self, key: str) -> bool: ...

    def keys_written_before(self, moment: dt.datetime) -> Iterator[str]:
        """Keys of the objects last written before ``moment`` (for the orphan sweep)."""

    def drop_unfinished_before(self, moment: dt.datetime) -> int:
        """Remove writes a crashed process left unfinished before ``moment``; how many."""


def new_key(suffix: str = "") -> str:
    """A fresh random key, e.g. ``new_key(".png")`` for a thumbnail."""
    return validate_key(uuid.uuid4().hex + suffix)


def validate_key(key: str) -> str:
    """``key`` when it is 32 lowercase hex digits and an optional ``.ext``; else ValueError.

    Nothing else ever reaches a path or a bucket: no ``..``, no slash, no case
    games on case-insensitive file systems.
    """
    if not isinstance(key, str) or not KEY_FORMAT.fullmatch(key):
        raise ValueError("not a document storage key")
    return key


# -- A local directory ------------------------------------------------------


class LocalStorage:
    """Files under ``root/ab/cd/<key>``, written whole (temp file, fsync, rename) or not at all.

    The two levels of fan-out (the key's first four hex digits) keep directories
    small. Directories are created 0o700 and files are 0o600: only the app's
    user reads them.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        validate_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self._path(key)
        _make_private_dirs(path.parent)
        # mkstemp creates the file 0o600, in the same directory so the rename is atomic.
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        written = 0
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    written += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o600)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return written

    def get(self, key: str) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None
        return _read_all(handle)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys_written_before(self, moment: dt.datetime) -> Iterator[str]:
        limit = moment.timestamp()
        for path in self.root.glob("??/??/*"):
            if KEY_FORMAT.fullmatch(path.name) and _mtime(path) < limit:
                yield path.name

    def drop_unfinished_before(self, moment: dt.datetime) -> int:
        dropped = 0
        for path in self.root.glob("??/??/.incoming-*"):
            if _mtime(path) < moment.timestamp():
                path.unlink(missing_ok=True)
                dropped += 1
        return dropped


def _mtime(path: Path) -> float:
    """The file's modification time; infinity when it went away meanwhile (never stale)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _make_private_dirs(directory: Path) -> None:
    """Create the missing levels of ``directory``, each 0o700 whatever the umask.

    ``Path.mkdir(parents=True)`` would give the parents the default mode; levels
    that exist already (the configured root, perhaps a mount point) are left alone.
    """
    missing = []
    for level in (directory, *directory.parents):
        if level.is_dir():
            break
        missing.append(level)
    for level in reversed(missing):
        try:
            level.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(level, 0o700)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (the directory entry), where the OS allows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_all(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        yield from iter(lambda: handle.read(READ_SIZE), b"")


# -- An S3-compatible bucket ------------------------------------------------


class S3Storage:
    """An S3-compatible bucket; uploads stream as multipart parts of ``PART_SIZE``.

    An object that fits in one part is a plain ``put_object``. A multipart upload
    is visible only once completed, and is aborted on any error so that no
    unfinished upload (billed storage, holding sealed bytes) is left behind.
    """

    def __init__(self, bucket: str, client: Any):
        self.bucket, self.client = bucket, client

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        validate_key(key)
        buffer, parts, written, upload_id = bytearray(), [], 0, None
        try:
            for chunk in chunks:
                buffer += chunk
                written += len(chunk)
                if len(buffer) >= PART_SIZE:
                    if upload_id is None:
                        upload_id = self.client.create_multipart_upload(
                            Bucket=self.bucket, Key=key
                        )["UploadId"]
                    parts.append(self._part(key, upload_id, len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if upload_id is None:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(buffer))
                return written
            if buffer:
                parts.append(self._part(key, upload_id, len(parts) + 1, bytes(buffer)))
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            if upload_id is not None:
                self._abort(key, upload_id)
            raise
        return written

    def _part(self, key: str, upload_id: str, number: int, body: bytes) -> dict:
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    def _abort(self, key: str, upload_id: str) -> None:
        """Abort, without hiding the error that caused it if the abort fails too."""
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except Exception:
            log.exception("could not abort the multipart upload of a document")

    def get(self, key: str) -> Iterator[bytes]:
        validate_key(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as error:
            if _is_missing(error):
                raise StoredObjectMissing(key) from None
            raise
        return _stream_body(body)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except Exception as error:
            if _is_missing(error):
                return False
            raise
        return True

    def keys_written_before(self, moment: dt.datetime) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                if KEY_FORMAT.fullmatch(item["Key"]) and item["LastModified"] < moment:
                    yield item["Key"]

    def drop_unfinished_before(self, moment: dt.datetime) -> int:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket)
        dropped = 0
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < moment:
                    self._abort(upload["Key"], upload["UploadId"])
                    dropped += 1
        return dropped


def _stream_body(body: Any) -> Iterator[bytes]:
    """The body's chunks, and its connection released however the reader stops."""
    try:
        yield from body.iter_chunks(READ_SIZE)
    finally:
        body.close()


def _is_missing(error: Exception) -> bool:
    """A botocore ClientError saying there is no such object (GET: NoSuchKey, HEAD: 404)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    return response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


# -- From the configuration -------------------------------------------------


def storage_from_config(config: Mapping) -> Storage:
    """The storage ``DOCUMENT_STORAGE`` names: ``local`` (default) or ``s3``."""
    kind = config.get("DOCUMENT_STORAGE") or "local"
    if kind == "local":
        return LocalStorage(Path(config["DOCUMENT_STORAGE_DIR"]))
    if kind == "s3":
        bucket = config.get("DOCUMENT_S3_BUCKET")
        if not bucket:
            raise RuntimeError("DOCUMENT_STORAGE=s3 needs DOCUMENT_S3_BUCKET")
        import boto3  # only where S3 is used

        client = boto3.client(
            "s3",
            endpoint_url=config.get("DOCUMENT_S3_ENDPOINT_URL") or None,
            region_name=config.get("DOCUMENT_S3_REGION") or None,
        )
        return S3Storage(bucket, client)
    allowed = " or ".join(repr(k) for k in STORAGE_KINDS)
    raise RuntimeError(f"DOCUMENT_STORAGE is {allowed}, not {kind!r}")
