"""Real parts for the delivery tests: an SMTP server and a Celery worker process.

- ``SmtpSink``: an aiosmtpd server on a free port that keeps the messages it
  accepts; it can refuse the next N messages with ``451`` or hold the next
  conversation (to kill a worker in the middle of a delivery).
- ``WorkerProcess``: ``celery worker`` as a subprocess on Redis (DB 15) with a
  queue of its own, on the same database as the tests (settings passed through
  environment variables to ``tests.workers.celery_entry``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from celery import Celery

from config import Config

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = ""):
    """Poll until ``predicate()`` is truthy; return its value or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
        time.sleep(interval)


class SmtpSink:
    """aiosmtpd handler and controller; ``messages`` holds what was accepted."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[EmailMessage] = []
        self.refused = 0
        self._refuse_next = 0
        self._hold_next = False
        self.held = threading.Event()  # a conversation is being held
        self._release = threading.Event()
        self._lock = threading.Lock()
        self.running = False
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    def start(self) -> SmtpSink:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        self._release.set()
        if self.running:
            self.controller.stop()
        self.running = False

    def restart(self) -> None:
        """Listen again on the same port after ``stop()`` (an SMTP outage's end)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.start()

    def reset(self) -> None:
        """Forget what was received; listen again if a test left the server stopped
        (the sink is shared by a session's tests: one failure must not fail the rest)."""
        if not self.running:
            self.restart()
        with self._lock:
            self.messages.clear()
            self.refused = 0
            self._refuse_next = 0
            self._hold_next = False
        self.held.clear()
        self._release.set()

    def refuse_next(self, count: int) -> None:
        """Answer ``451`` to the next ``count`` messages."""
        with self._lock:
            self._refuse_next = count

    def hold_next(self) -> None:
        """Hold the next conversation at RCPT (nothing accepted) until ``release()``."""
        self._release.clear()
        self.held.clear()
        self._hold_next = True

    def release(self) -> None:
        self._release.set()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in list(self.messages) if address in str(m["To"])]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self._hold_next:
            self._hold_next = False
            self.held.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.4.2 Held too long"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self._lock:
            if self._refuse_next > 0:
                self._refuse_next -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
        raw = envelope.original_content or envelope.content
        self.messages.append(BytesParser(policy=policy.default).parsebytes(raw))
        return "250 Message accepted"


class WorkerProcess:
    """A real ``celery worker`` subprocess with its own queue on Redis."""

    def __init__(self, broker_url: str, database_url: str, env: dict[str, str], log_dir: Path):
        self.broker_url = broker_url
        self.queue = f"passerelle-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.nodename = f"{self.queue}@localhost"
        self.env = {
            **os.environ,
            "PASSERELLE_ENV": "testing",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_QUEUE": self.queue,
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.log_path = log_dir / f"{self.queue}.log"
        self.process: subprocess.Popen | None = None
        self.publisher = publisher_app(broker_url, self.queue)

    def start(
        self,
        pool: str = "prefork",
        concurrency: int = 1,
        app: str = "tests.workers.celery_entry:celery",
    ) -> WorkerProcess:
        celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery),
            "-A",
            app,
            "worker",
            "-P",
            pool,
            "-c",
            str(concurrency),
            "-Q",
            self.queue,
            "-n",
            self.nodename,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            wait_for(self._answers_ping, timeout=60, interval=0.2, message="the Celery worker")
        except BaseException:
            self.stop()
            raise
        return self

    def _answers_ping(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError("celery worker exited:\n" + self.log())
        replies = self.publisher.control.ping(destination=[self.nodename], timeout=0.5)
        return bool(replies)

    def pool_children(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def kill_pool_child(self) -> int:
        """SIGKILL the pool process running the task (the worker respawns it)."""
        children = self.pool_children()
        assert children, "the prefork worker has no pool process"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def send(self, task_name: str, *args) -> None:
        self.publisher.send_task(task_name, args=list(args))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        purge_queue(self.publisher, self.queue)
        self.publisher.close()


def publisher_app(broker_url: str, queue: str) -> Celery:
    """A Celery app that only publishes, to ``queue`` on ``broker_url``."""
    app = Celery(f"publisher-{queue}", set_as_current=False)
    app.conf.update(Config.celery_settings(broker_url))
    app.conf.update(task_default_queue=queue, broker_connection_retry_on_startup=False)
    return app


def purge_queue(app: Celery, queue: str) -> None:
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
    except Exception:  # noqa: S110 (cleanup of a throw-away queue)
        pass
