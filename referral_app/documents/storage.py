"""Where sealed documents live: a small interface, a local directory, an S3 bucket.

Only sealed bytes are ever given to a storage. ``DOCUMENT_STORAGE=local`` (the
default) keeps them under ``DOCUMENT_STORAGE_DIR`` (``instance/documents``);
``DOCUMENT_STORAGE=s3`` puts them in ``DOCUMENT_S3_BUCKET`` of an S3-compatible
store (boto3, installed separately; credentials from the ``AWS_*`` variables).
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

KEY_FORMAT = re.compile(r"^[0-9a-f]{32}(\.[a-z]{1,8})?$")
READ_SIZE = 64 * 1024
PART_SIZE = 8 * 1024 * 1024  # S3 parts are at least 5 MiB but the last


class StoredObjectMissing(Exception):  # noqa: N818 (a state)
    """No object under this key."""


class Storage(Protocol):
    def put(self, key: str, chunks: Iterable[bytes]) -> int: ...
    def get(self, key: str) -> Iterator[bytes]: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


def new_key(suffix: str = "") -> str:
    return uuid.uuid4().hex + suffix


def validate_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_FORMAT.match(key):
        raise ValueError("not a document storage key")
    return key


class LocalStorage:
    """Files under ``root/ab/cd/<key>``, written whole (temp file, fsync, rename) or not at all."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        validate_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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


def _read_all(handle) -> Iterator[bytes]:
    with handle:
        yield from iter(lambda: handle.read(READ_SIZE), b"")


class S3Storage:
    """An S3-compatible bucket; uploads stream as multipart parts of ``PART_SIZE``."""

    def __init__(self, bucket: str, client):
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
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return written

    def _part(self, key: str, upload_id: str, number: int, body: bytes) -> dict:
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    def get(self, key: str) -> Iterator[bytes]:
        validate_key(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as error:
            if _is_missing(error):
                raise StoredObjectMissing(key) from None
            raise
        return body.iter_chunks(READ_SIZE)

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


def _is_missing(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("NoSuchKey", "404", "NotFound")


def storage_from_config(config: Mapping) -> Storage:
    kind = config.get("DOCUMENT_STORAGE", "local")
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
    raise RuntimeError(f"DOCUMENT_STORAGE is 'local' or 's3', not {kind!r}")
