"""The development mailbox: a local SMTP server that keeps every message it receives.

Started by the run command (``Procfile``: ``mail:``) in the embedded default, on
``MAIL_SERVER``:``MAIL_PORT``; each message becomes one ``.eml`` file under
``MAILBOX_DIR``, readable in the app at /dev/mailbox. Nothing leaves the machine.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

from config import Config
from referral_app.notifications.devmail import save_message

log = logging.getLogger("passerelle.dev_mailbox")


class MailboxHandler:
    """aiosmtpd handler: store the message as received, accept it."""

    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        path = save_message(self.directory, envelope.original_content or envelope.content)
        log.info("Stored a message for %s in %s", ", ".join(envelope.rcpt_tos), path.name)
        return "250 Message accepted for delivery"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    directory = Path(Config.MAILBOX_DIR)
    controller = Controller(
        MailboxHandler(directory), hostname=Config.MAIL_SERVER, port=Config.MAIL_PORT
    )
    controller.start()
    print(  # noqa: T201 (the run command's console)
        f"Development mailbox: SMTP on {Config.MAIL_SERVER}:{Config.MAIL_PORT}, "
        f"messages under {directory}",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
