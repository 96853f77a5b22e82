"""The development mailbox: e-mails caught by the local SMTP server, kept as files.

``workers/dev_mailbox.py`` (started by the run command) stores each message it
receives as one ``.eml`` file under ``MAILBOX_DIR``; the dev mailbox page reads
them back. Only for the embedded default (``SHOW_DEV_MAILBOX``).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

NAME_PATTERN = re.compile(r"^[0-9]{19}-[0-9a-f]{8}\.eml$")


@dataclass(frozen=True)
class StoredMessage:
    name: str
    to: list[str]
    subject: str
    date: object
    message_id: str


def save_message(directory: Path, raw: bytes) -> Path:
    """Write one message atomically (a temporary name, then a rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():019d}-{uuid.uuid4().hex[:8]}.eml"
    temporary = directory / (name + ".tmp")
    temporary.write_bytes(raw)
    temporary.rename(directory / name)
    return directory / name


def _parse(path: Path, headers_only: bool = False) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle, headersonly=headers_only)


def sent_at(message: EmailMessage):
    """The message's Date header as a moment (shown in Quebec time), or None."""
    try:
        return parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        return None


def _summary(path: Path) -> StoredMessage:
    message = _parse(path, headers_only=True)
    date = sent_at(message)
    return StoredMessage(
        name=path.name,
        to=[address.lower() for _name, address in getaddresses(message.get_all("To", []))],
        subject=str(message["Subject"] or ""),
        date=date,
        message_id=str(message["Message-ID"] or ""),
    )


def list_messages(
    directory: Path, recipient: str | None = None, limit: int = 100
) -> list[StoredMessage]:
    """Newest first; only those addressed to ``recipient`` when given."""
    if not directory.is_dir():
        return []
    paths = sorted((p for p in directory.iterdir() if NAME_PATTERN.match(p.name)), reverse=True)
    found = []
    for path in paths:
        summary = _summary(path)
        if recipient is None or recipient.lower() in summary.to:
            found.append(summary)
            if len(found) >= limit:
                break
    return found


def load_message(directory: Path, name: str) -> EmailMessage | None:
    """One stored message by file name; None for unknown or malformed names."""
    if not NAME_PATTERN.match(name):
        return None
    path = directory / name
    return _parse(path) if path.is_file() else None


def body_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def addressed_to(message: EmailMessage, recipient: str) -> bool:
    addresses = [a.lower() for _n, a in getaddresses(message.get_all("To", []))]
    return recipient.lower() in addresses
