from __future__ import annotations

import uuid

import pytest

from tests.notifications.world import build_world
from tests.workers.support import publisher_app


@pytest.fixture
def world(db, make):
    built = build_world(make)
    db.session.commit()
    return built


@pytest.fixture
def mail_sink(app, smtp_sink, monkeypatch):
    """The app's e-mail goes to the real test SMTP server."""
    smtp_sink.reset()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_sink.port)
    yield smtp_sink
    smtp_sink.reset()


class MemoryBroker:
    """kombu's in-memory transport with a queue of our own: what the app published."""

    def __init__(self):
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.app = publisher_app("memory://", self.queue)

    def published(self) -> list[tuple[str, list]]:
        """(task name, args) of every message published since the last call."""
        found = []
        with self.app.connection_for_read() as connection:
            queue = connection.SimpleQueue(self.queue)
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                found.append((message.headers["task"], list(message.payload[0])))
                message.ack()
            queue.close()
        return found


@pytest.fixture
def broker(app, monkeypatch):
    memory = MemoryBroker()
    monkeypatch.setitem(app.extensions, "celery", memory.app)
    return memory
