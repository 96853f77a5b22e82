"""Document fixtures: the workflow cast, API clients, and a real S3-compatible server."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import api_as  # noqa: F401 (the fixture)
from tests.referrals.conftest import cast  # noqa: F401 (the fixture)
from tests.services import free_port

S3_REGION = "us-east-1"
S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server speaking HTTP on 127.0.0.1 (a free port); its URL.

    A real server, so boto3 goes through its whole HTTP stack (signing,
    multipart, streaming bodies); nothing leaves the machine.
    """
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_client(s3_endpoint):
    """A boto3 S3 client of that server, with dummy credentials given explicitly."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=S3_REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        **S3_CREDENTIALS,
    )


@pytest.fixture
def s3_bucket(s3_client):
    """A fresh, empty bucket for one test; its name."""
    name = f"documents-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name
