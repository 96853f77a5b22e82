"""Real services the tests use: PostgreSQL, Redis, Chromium.

When one is missing the test is skipped, except under ``REQUIRE_SERVICES=1``
(CI), where it fails: a green run must mean the real parts were exercised.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def missing(what: str) -> None:
    """Skip, or fail under REQUIRE_SERVICES=1."""
    message = f"{what} is not available"
    if services_required():
        pytest.fail(message + " (REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def port_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def require_postgres() -> str:
    if not port_open(POSTGRES_ADMIN_URL, 5432):
        missing("PostgreSQL at " + POSTGRES_ADMIN_URL)
    return POSTGRES_ADMIN_URL


def require_postgres_pass() -> None:
    """For tests of PostgreSQL's own behaviour (row locks, backends): PostgreSQL must
    answer, and they run in the PostgreSQL pass only (``TEST_DB=postgresql``)."""
    require_postgres()
    if os.environ.get("TEST_DB", "sqlite") != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DB=postgresql)")


def require_redis() -> str:
    if not port_open(REDIS_TEST_URL, 6379):
        missing("Redis at " + REDIS_TEST_URL)
    return REDIS_TEST_URL


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing("Chromium at " + CHROMIUM)
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
