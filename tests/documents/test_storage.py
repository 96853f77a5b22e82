"""Where sealed bytes live: one contract, both backends (a directory and a real S3 server)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from referral_app.documents import storage as storage_module
from referral_app.documents.storage import (
    LocalStorage,
    S3Storage,
    StoredObjectMissing,
    new_key,
    storage_from_config,
    validate_key,
)

MIB = 1024 * 1024
HEX = "0123456789abcdef" * 2
BAD_KEYS = [
    "../x",
    "ABC",
    "",
    HEX.upper(),
    HEX[:31],
    HEX + "0",
    HEX + "/x",
    HEX + "\n",
    HEX + ".PNG",
    HEX + ".toolongext",
    "../" + HEX[3:],
    f"{HEX[:2]}/{HEX[2:4]}/{HEX}",
]


class UploadBrokenError(Exception):
    pass


def _broken_after(size: int):
    """Yields ``size`` bytes, then fails: the upload of a request that died."""
    block = b"\x5a" * (64 * 1024)
    sent = 0
    while sent < size:
        yield block
        sent += len(block)
    raise UploadBrokenError("the client went away")


def _pieces(total: int, piece: int = 64 * 1024):
    """``total`` bytes that differ from one piece to the next, generated lazily."""
    for n in range(0, total, piece):
        yield n.to_bytes(8, "big") * (piece // 8)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "documents")
    client = request.getfixturevalue("s3_client")
    return S3Storage(request.getfixturevalue("s3_bucket"), client)


# -- The contract, on both backends -------------------------------------------


def test_round_trip(store):
    key = new_key()
    assert not store.exists(key)
    assert store.put(key, [b"sealed ", b"", b"bytes"]) == 12
    assert store.exists(key)
    assert b"".join(store.get(key)) == b"sealed bytes"


def test_an_empty_object(store):
    key = new_key(".png")
    assert store.put(key, []) == 0
    assert store.exists(key)
    assert b"".join(store.get(key)) == b""


def test_put_replaces_the_object(store):
    key = new_key()
    store.put(key, [b"first version, longer"])
    store.put(key, [b"second"])
    assert b"".join(store.get(key)) == b"second"


def test_get_of_a_missing_object_raises(store):
    with pytest.raises(StoredObjectMissing):
        store.get(new_key())


def test_delete(store):
    key = new_key()
    store.put(key, [b"x"])
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(StoredObjectMissing):
        store.get(key)
    store.delete(key)  # missing: no error
    store.delete(new_key())


def test_keys_written_before_a_moment(store):
    """What the orphan sweep lists: only objects older than the moment, only valid keys."""
    key, thumbnail = new_key(), new_key(".png")
    store.put(key, [b"x"])
    store.put(thumbnail, [b"y"])
    now = dt.datetime.now(dt.UTC)
    assert set(store.keys_written_before(now + dt.timedelta(minutes=1))) >= {key, thumbnail}
    assert not set(store.keys_written_before(now - dt.timedelta(hours=1))) & {key, thumbnail}


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_strange_keys_are_refused_by_every_method(store, bad):
    with pytest.raises(ValueError):
        store.put(bad, [b"x"])
    with pytest.raises(ValueError):
        store.get(bad)
    with pytest.raises(ValueError):
        store.delete(bad)
    with pytest.raises(ValueError):
        store.exists(bad)


def test_a_failed_put_leaves_nothing(store, tmp_path):
    key = new_key()
    # Past one S3 part, so that a multipart upload was under way.
    with pytest.raises(UploadBrokenError):
        store.put(key, _broken_after(storage_module.PART_SIZE + MIB))
    assert not store.exists(key)
    with pytest.raises(StoredObjectMissing):
        store.get(key)
    _assert_no_leftovers(store, tmp_path)


def test_a_failed_overwrite_keeps_the_old_object(store, tmp_path):
    key = new_key()
    store.put(key, [b"the good version"])
    with pytest.raises(UploadBrokenError):
        store.put(key, _broken_after(storage_module.PART_SIZE + MIB))
    with pytest.raises(UploadBrokenError):
        store.put(key, _broken_after(10))  # small: would have been one put_object
    assert b"".join(store.get(key)) == b"the good version"
    _assert_no_leftovers(store, tmp_path)


def _assert_no_leftovers(store, tmp_path: Path) -> None:
    if isinstance(store, LocalStorage):
        assert [p.name for p in tmp_path.rglob(".incoming-*")] == []
    else:
        uploads = store.client.list_multipart_uploads(Bucket=store.bucket)
        assert uploads.get("Uploads", []) == []


def test_twenty_megabytes_stream_through(store):
    key, total = new_key(), 20 * MIB
    expected = hashlib.sha256()
    for piece in _pieces(total):
        expected.update(piece)
    assert store.put(key, _pieces(total)) == total

    got, size, largest = hashlib.sha256(), 0, 0
    for piece in store.get(key):
        got.update(piece)
        size += len(piece)
        largest = max(largest, len(piece))
    assert size == total and got.hexdigest() == expected.hexdigest()
    assert largest <= 64 * 1024  # streamed, not read whole


# -- Keys -----------------------------------------------------------------------


def test_new_keys_are_random_hex_with_an_optional_suffix():
    first, second = new_key(), new_key(".png")
    assert validate_key(first) == first and len(first) == 32
    assert second.endswith(".png") and validate_key(second) == second
    assert first != new_key()
    with pytest.raises(ValueError):
        new_key("/../x")


# -- The local directory ----------------------------------------------------------


def test_local_files_fan_out_and_are_private(tmp_path):
    root = tmp_path / "documents"
    key = "abcdef" + HEX[6:]
    LocalStorage(root).put(key, [b"x"])
    path = root / "ab" / "cd" / key
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (root, root / "ab", root / "ab" / "cd"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert sorted(p.name for p in path.parent.iterdir()) == [key]  # no temp file left


def test_local_storage_leaves_an_existing_root_as_it_is(tmp_path):
    root = tmp_path / "mounted"
    root.mkdir(mode=0o750)
    root.chmod(0o750)
    LocalStorage(root).put(HEX, [b"x"])
    assert stat.S_IMODE(root.stat().st_mode) == 0o750
    assert stat.S_IMODE((root / HEX[:2]).stat().st_mode) == 0o700


# -- The S3 bucket ---------------------------------------------------------------


class Recording:
    """The client, with the names of the calls made through it."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.client, name)


def test_s3_uses_one_put_for_a_small_object_and_parts_for_a_large_one(s3_client, s3_bucket):
    recording = Recording(s3_client)
    store = S3Storage(s3_bucket, recording)
    store.put(new_key(), [b"small"] * 1000)
    assert recording.calls == ["put_object"]

    recording.calls.clear()
    store.put(new_key(), _pieces(17 * MIB))
    assert recording.calls == [
        "create_multipart_upload",
        "upload_part",
        "upload_part",
        "upload_part",
        "complete_multipart_upload",
    ]


def test_s3_errors_other_than_a_missing_key_are_not_hidden(s3_client):
    store = S3Storage("no-such-bucket-here", s3_client)
    with pytest.raises(ClientError) as raised:
        store.get(new_key())
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


# -- From the configuration ---------------------------------------------------------


def test_the_default_is_a_local_directory(tmp_path):
    store = storage_from_config({"DOCUMENT_STORAGE_DIR": str(tmp_path)})
    assert isinstance(store, LocalStorage) and store.root == tmp_path
    store = storage_from_config({"DOCUMENT_STORAGE": "local", "DOCUMENT_STORAGE_DIR": tmp_path})
    assert isinstance(store, LocalStorage)


def test_s3_without_a_bucket_is_a_clear_error():
    with pytest.raises(RuntimeError, match="DOCUMENT_S3_BUCKET"):
        storage_from_config({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": ""})


def test_an_unknown_storage_names_the_allowed_ones():
    with pytest.raises(RuntimeError, match="'local' or 's3'.*'ftp'"):
        storage_from_config({"DOCUMENT_STORAGE": "ftp"})


def test_s3_from_the_configuration_and_the_aws_environment(
    s3_endpoint, s3_client, s3_bucket, monkeypatch, tmp_path
):
    # Credentials come from the standard variables; no profile or file of this machine.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-the-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    store = storage_from_config(
        {
            "DOCUMENT_STORAGE": "s3",
            "DOCUMENT_S3_BUCKET": s3_bucket,
            "DOCUMENT_S3_ENDPOINT_URL": s3_endpoint,
            "DOCUMENT_S3_REGION": "us-east-1",
        }
    )
    assert isinstance(store, S3Storage) and store.bucket == s3_bucket
    credentials = store.client._request_signer._credentials
    assert credentials.access_key == "from-the-environment"
    key = new_key()
    store.put(key, [b"through the configured client"])
    assert b"".join(s3_client.get_object(Bucket=s3_bucket, Key=key)["Body"]) == (
        b"through the configured client"
    )


def test_local_unfinished_writes_of_a_crashed_process_are_dropped(tmp_path):
    store = LocalStorage(tmp_path / "documents")
    key = new_key()
    store.put(key, [b"kept"])
    folder = tmp_path / "documents" / key[:2] / key[2:4]
    stale, fresh = folder / ".incoming-stale", folder / ".incoming-fresh"
    stale.write_bytes(b"half an upload")
    fresh.write_bytes(b"an upload in flight")
    hours_ago = dt.datetime.now(dt.UTC).timestamp() - 3 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    assert store.drop_unfinished_before(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)) == 1
    assert not stale.exists() and fresh.exists() and store.exists(key)
    assert key in set(store.keys_written_before(dt.datetime.now(dt.UTC) + dt.timedelta(1)))
    assert ".incoming-fresh" not in set(
        store.keys_written_before(dt.datetime.max.replace(tzinfo=dt.UTC))
    )


def test_s3_unfinished_multipart_uploads_are_aborted(s3_client, s3_bucket):
    store = S3Storage(s3_bucket, s3_client)
    key = new_key()
    s3_client.create_multipart_upload(Bucket=s3_bucket, Key=key)
    # moto reports a fixed "Initiated" (2010-11-10), so the grace period is checked
    # on the local backend only; here, that a stale upload is found and aborted.
    assert store.drop_unfinished_before(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == 1
    assert not s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads")
