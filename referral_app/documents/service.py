"""Attaching, reading, replacing and purging clinical documents (issue 13).

The rules live here, for the pages, the API and the workers alike:

- who may read (``permissions.can_see_patient_data``) and add
  (``permissions.can_add_documents``); every upload, download and thumbnail view
  is written to the audit trail;
- what is accepted: the type decided from the content (``filetypes.sniff``), at
  most ``DOCUMENT_MAX_BYTES`` a file and ``REFERRAL_DOCUMENTS_MAX_BYTES`` a
  referral (superseded versions count: they are kept);
- nothing is deleted once the referral is submitted: a new version supersedes the
  old one; only drafts lose documents, and the retention job purges the bytes of
  referrals closed longer than ``DOCUMENT_RETENTION_DAYS``, keeping a tombstone.

Bytes go to the storage only sealed (``sealing``), each document under its own
data key wrapped by the patient-data keys. Objects written by a transaction that
rolls back, and objects a committed transaction no longer needs, are deleted by
the session hooks at the end of this module: the storage follows the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import chain
from pathlib import PurePath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from referral_app import audit, notify, permissions
from referral_app.documents import filetypes, sealing, thumbnails
from referral_app.documents.checklist import category_label
from referral_app.documents.storage import Storage, new_key, storage_from_config
from referral_app.documents.uploads import Upload
from referral_app.enums import DocumentCategory
from referral_app.extensions import db
from referral_app.inputs import has_control_characters
from referral_app.models import Document, Referral, ReferralEvent, User
from referral_app.pagination import in_id_batches
from referral_app.timeutil import utcnow
from referral_app.workflow import engine
from referral_app.workflow.errors import (
    DocumentRefused,
    DocumentTooLarge,
    DocumentTypeRefused,
    NotPermitted,
)
from referral_app.workflow.spec import DOCUMENTS
from referral_app.workflow.states import ReferralState, Side

log = logging.getLogger(__name__)

MAX_TITLE = 200
READ_SIZE = sealing.CHUNK_SIZE


def storage() -> Storage:
    """The app's document storage, built once from its configuration."""
    stores = current_app.extensions.setdefault("passerelle_documents", {})
    if "storage" not in stores:
        stores["storage"] = storage_from_config(current_app.config)
    return stores["storage"]


def allowed_types_text() -> str:
    return _("PDF, JPEG, PNG, TIFF or plain text")


# -- Reading the list ---------------------------------------------------------------


def stored_bytes(referral_id: int) -> int:
    """What the referral's kept documents weigh: every version not purged."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Document.size_bytes), 0)).where(
            Document.referral_id == referral_id, Document.purged_at.is_(None)
        )
    )
    return int(total or 0)


def find(referral: Referral, document_id: int) -> Document | None:
    document = db.session.get(Document, document_id) if 0 < document_id < 2**31 else None
    if document is None or document.referral_id != referral.id:
        return None
    return document


# -- Adding ---------------------------------------------------------------------------


def attach(
    referral: Referral,
    user: User,
    uploads: Sequence[Upload],
    *,
    event: ReferralEvent | None = None,
    replaces: Document | None = None,
    channel: str = "web",
    now: dt.datetime | None = None,
) -> list[Document]:
    """Seal and store ``uploads`` on the referral; the caller commits.

    All or nothing: the first bad file raises ``DocumentRefused`` (or its 413 and
    415 kinds) naming it, and whatever this call stored is deleted on rollback.
    The other side is told how many documents wait (never which, never the file).
    """
    if not permissions.can_add_documents(user, referral):
        raise NotPermitted(_("You are not allowed to add documents to this referral."))
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise DocumentRefused({"files": _("Choose at least one file.")})
    most = current_app.config["DOCUMENT_MAX_FILES_PER_UPLOAD"]
    if len(uploads) > most:
        raise DocumentRefused({"files": _("At most %(n)d files at once.", n=most)})
    if replaces is not None:
        _check_replaceable(replaces, referral, user)
        if len(uploads) != 1:
            raise DocumentRefused({"files": _("A new version is one file.")})
    locked = engine.lock_referral(referral.id)  # one budget for concurrent uploads
    if locked is None:
        raise NotPermitted(_("This referral does not exist."))
    now = now or utcnow()
    if replaces is not None:
        _claim_for_replacement(replaces, now)
    side = Side(permissions.side_of(user, locked))
    budget = current_app.config["REFERRAL_DOCUMENTS_MAX_BYTES"] - stored_bytes(locked.id)
    added = []
    for upload in uploads:
        document = _store(locked, user, side, upload, budget, replaces, event, now)
        budget -= document.size_bytes
        added.append(document)
    db.session.flush()
    for document in added:
        audit.record(
            "upload_document",
            "document",
            document.id,
            user_id=user.id,
            referral_id=locked.id,
            category=document.category.value,
            size_bytes=document.size_bytes,
            sha256=document.sha256,
            version=document.version,
            channel=channel,
        )
    _tell_other_side(locked, user, added)
    return added


def _not_current() -> DocumentRefused:
    return DocumentRefused(
        {"document": _("Only the current version of a document can be replaced.")}
    )


def _check_replaceable(old: Document, referral: Referral, user: User) -> None:
    if old.referral_id != referral.id or not old.is_current:
        raise _not_current()
    if old.uploader_side != Side(permissions.side_of(user, referral)):
        raise NotPermitted(_("Only the centre that added a document can replace it."))


def _claim_for_replacement(old: Document, now: dt.datetime) -> None:
    """Supersede ``old`` if it is still current, in one conditional UPDATE.

    The check before the lock read ``old`` as it was then; two new versions sent at
    once both passed it (six concurrent uploads made six "version 2"). The UPDATE
    waits for the other writer and matches no row once it has superseded ``old``.
    """
    claimed = db.session.execute(
        update(Document)
        .where(Document.id == old.id, Document.is_current)
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise _not_current()
    set_committed_value(old, "superseded_at", now)


def _store(
    referral: Referral,
    user: User,
    side: Side,
    upload: Upload,
    budget: int,
    replaces: Document | None,
    event: ReferralEvent | None,
    now: dt.datetime,
) -> Document:
    name = _display_name(upload.filename)
    category = _category(upload.category, replaces, name)
    title = _title(upload.title, name, replaces, category)
    head = upload.stream.read(filetypes.SNIFF_BYTES)
    if not head:
        raise DocumentRefused({"files": _("«%(name)s» is empty.", name=name)})
    content_type = filetypes.sniff(head)
    if content_type is None:
        raise DocumentTypeRefused(
            {
                "files": _(
                    "«%(name)s»: this type of file is not accepted (%(types)s).",
                    name=name,
                    types=allowed_types_text(),
                )
            }
        )
    meter = _Meter(name, current_app.config["DOCUMENT_MAX_BYTES"], budget)
    plaintext = meter.count(chain([head], iter(partial(upload.stream.read, READ_SIZE), b"")))
    key, data_key = new_key(), sealing.new_data_key()
    _remember(db.session, "written", key)
    storage().put(key, sealing.encrypt_chunks(data_key, plaintext, key.encode()))
    document = Document(
        referral_id=referral.id,
        category=category,
        title=title,
        content_type=content_type,
        size_bytes=meter.size,
        sha256=meter.sha256.hexdigest(),
        version=replaces.version + 1 if replaces else 1,
        replaces_id=replaces.id if replaces else None,
        uploaded_by_id=user.id,
        uploader_side=side,
        uploaded_at=now,
        event_id=event.id if event else None,
        storage_key=key,
        data_key_wrapped=sealing.wrap_key(data_key),
    )
    db.session.add(document)
    return document


class _Meter:
    """Counts and hashes the bytes as they pass; too many stops the upload."""

    def __init__(self, name: str, file_limit: int, budget: int):
        self.name, self.file_limit, self.budget = name, file_limit, budget
        self.size = 0
        self.sha256 = hashlib.sha256()

    def count(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            self.size += len(piece)
            if self.size > self.file_limit:
                raise DocumentTooLarge(
                    {
                        "files": _(
                            "«%(name)s» is larger than %(limit)s.",
                            name=self.name,
                            limit=megabytes(self.file_limit),
                        )
                    }
                )
            if self.size > self.budget:
                raise DocumentTooLarge(
                    {
                        "files": _(
                            "«%(name)s» would take this referral's documents over %(limit)s.",
                            name=self.name,
                            limit=megabytes(current_app.config["REFERRAL_DOCUMENTS_MAX_BYTES"]),
                        )
                    }
                )
            self.sha256.update(piece)
            yield piece


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} B"


def _display_name(filename: str | None) -> str:
    """The file's own name for messages and a default title: no path, no control chars."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not name or has_control_characters(name, multiline=False):
        return _("the file")
    return name[:MAX_TITLE]


def _category(raw: str | None, replaces: Document | None, name: str) -> DocumentCategory:
    if not raw and replaces is not None:
        return replaces.category
    try:
        return DocumentCategory((raw or "").strip())
    except ValueError:
        raise DocumentRefused(
            {"category": _("«%(name)s»: choose the kind of document.", name=name)}
        ) from None


def _title(
    raw: str | None, name: str, replaces: Document | None, category: DocumentCategory
) -> str:
    title = (raw or "").strip()
    if has_control_characters(title, multiline=False):
        raise DocumentRefused({"title": _("This field contains a character that is not allowed.")})
    if len(title) > MAX_TITLE:
        raise DocumentRefused({"title": _("At most %(n)d characters.", n=MAX_TITLE)})
    if title:
        return title
    if replaces is not None:
        return replaces.title
    return name if name != _("the file") else category_label(category)


def _tell_other_side(referral: Referral, user: User, added: list[Document]) -> None:
    if referral.state == ReferralState.DRAFT or not added:
        return
    notify.tell(
        referral,
        DOCUMENTS.kind,
        DOCUMENTS.audience,
        notify.referral_context(referral, event="documents", count=len(added)),
        dedupe_key=f"referral-documents:{added[0].id}",
        actor_id=user.id,
        actor_side=engine.actor_side(user, referral),
    )


# -- Removing (drafts only) ------------------------------------------------------------


def delete_from_draft(document: Document, referral: Referral, user: User) -> None:
    """A draft's document goes away for good; a submitted referral's never does."""
    if not referral.is_draft:
        raise NotPermitted(
            _("Documents of a submitted referral are kept: add a new version instead.")
        )
    if permissions.side_of(user, referral) != "referring" or not permissions.is_clinical(user):
        raise NotPermitted(_("You are not allowed to change this referral's documents."))
    for newer in db.session.scalars(select(Document).where(Document.replaces_id == document.id)):
        newer.replaces_id = None
    _forget_bytes(document)
    audit.record(
        "delete_document", "document", document.id, user_id=user.id, referral_id=referral.id
    )
    db.session.delete(document)


def _forget_bytes(document: Document) -> None:
    """The stored objects go when the transaction commits (``_after_commit``)."""
    for key in (document.storage_key, document.thumbnail_key):
        if key:
            _remember(db.session, "obsolete", key)


# -- Reading ---------------------------------------------------------------------------


class DocumentGone(Exception):  # noqa: N818 (a state, not a failure)
    """The document was purged under the retention policy: only its tombstone is left."""


def open_plaintext(
    document: Document,
    user: User,
    *,
    reason: str | None = None,
    channel: str = "web",
) -> Iterator[bytes]:
    """The document's bytes, after checking and auditing the read; the caller commits.

    The data key is unwrapped now (it needs the app); the bytes are fetched and
    opened as the caller iterates, so a download streams in constant memory.
    """
    referral = document.referral
    if not permissions.can_see_patient_data(user, referral, reason=reason):
        raise NotPermitted(_("You are not allowed to read this document."))
    if document.purged_at is not None:
        raise DocumentGone()
    by_reason = not permissions.can_see_patient_data(user, referral)
    audit.record(
        "download_document",
        "document",
        document.id,
        user_id=user.id,
        reason=reason if by_reason else None,
        referral_id=referral.id,
        channel=channel,
    )
    return _decrypted(document.storage_key, sealing.unwrap_key(document.data_key_wrapped))


def _decrypted(key: str, data_key: bytes) -> Iterator[bytes]:
    return sealing.decrypt_chunks(data_key, storage().get(key), key.encode())


def thumbnail_png(document: Document, user: User, *, channel: str = "web") -> bytes | None:
    """The first page of a PDF as a PNG (made once, kept sealed), audited; or None."""
    referral = document.referral
    if not permissions.can_see_patient_data(user, referral):
        raise NotPermitted(_("You are not allowed to read this document."))
    if document.purged_at is not None or document.content_type != "application/pdf":
        return None
    data_key = sealing.unwrap_key(document.data_key_wrapped)
    if document.thumbnail_key:
        png = b"".join(_decrypted(document.thumbnail_key, data_key))
    else:
        png = _render_thumbnail(document, data_key)
    if png is not None:
        audit.record(
            "view_document_thumbnail",
            "document",
            document.id,
            user_id=user.id,
            referral_id=referral.id,
            channel=channel,
        )
    return png


def _render_thumbnail(document: Document, data_key: bytes) -> bytes | None:
    if not thumbnails.available():
        return None
    pdf = b"".join(_decrypted(document.storage_key, data_key))  # at most DOCUMENT_MAX_BYTES
    png = thumbnails.render_first_page(pdf)
    if png is None:
        return None
    key = new_key(".png")
    _remember(db.session, "written", key)
    storage().put(key, sealing.encrypt_chunks(data_key, [png], key.encode()))
    document.thumbnail_key = key
    return png


def download_name(document: Document) -> str:
    """``REF-2026-000123-pathology-v2.pdf``: no patient data in a browser's history."""
    referral = document.referral
    stem = referral.reference or f"draft-{referral.id}"
    extension = filetypes.ALLOWED_TYPES.get(document.content_type, "")
    return f"{stem}-{document.category.value}-v{document.version}{extension}"


# -- Retention ---------------------------------------------------------------------------


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Referrals closed before this have their documents purged."""
    days = current_app.config["DOCUMENT_RETENTION_DAYS"]
    return (now or utcnow()) - dt.timedelta(days=days)


def expired_documents(now: dt.datetime | None = None, limit: int = 200):
    """Documents still holding bytes on referrals closed before the cutoff."""
    return (
        select(Document)
        .join(Referral, Referral.id == Document.referral_id)
        .where(Document.purged_at.is_(None), Referral.closed_at < retention_cutoff(now))
        .order_by(Document.id)
        .limit(limit)
    )


def purge_expired(now: dt.datetime | None = None, batch_size: int = 200) -> int:
    """Purge the bytes of expired documents, batch by batch (each batch commits).

    The row stays as a tombstone (category, title, size, hash, dates) with
    ``purged_at``; the audit trail records each purge. Returns how many.
    """
    now = now or utcnow()
    purged = 0
    while True:
        rows = db.session.scalars(expired_documents(now, batch_size)).all()
        if not rows:
            return purged
        for document in rows:
            _forget_bytes(document)
            document.storage_key = document.data_key_wrapped = document.thumbnail_key = None
            document.purged_at = now
            audit.record(
                "purge_document",
                "document",
                document.id,
                referral_id=document.referral_id,
                policy_days=current_app.config["DOCUMENT_RETENTION_DAYS"],
                channel="worker",
            )
        db.session.commit()
        purged += len(rows)


# -- Orphans -----------------------------------------------------------------------------


def sweep_orphans(now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Delete stored objects no document row refers to, older than the grace period.

    The session hooks below delete what a rolled-back transaction wrote, but a
    process killed between the write and the commit leaves sealed bytes that no
    row names (unreadable without their key, which died with the transaction,
    yet still stored). ``DOCUMENT_ORPHAN_GRACE_HOURS`` (24) keeps an upload in
    flight safe from the sweep. Unfinished writes (temporary files, multipart
    uploads) older than that go too. Returns how many objects were deleted.
    """
    cutoff = (now or utcnow()) - dt.timedelta(
        hours=current_app.config["DOCUMENT_ORPHAN_GRACE_HOURS"]
    )
    store = storage()
    unfinished = store.drop_unfinished_before(cutoff)
    deleted = 0
    for batch in _batches(store.keys_written_before(cutoff), batch_size):
        orphans = set(batch) - _referenced(batch)
        for key in orphans:
            store.delete(key)
        deleted += len(orphans)
    if deleted or unfinished:
        log.warning(
            "document storage sweep: %d orphan object(s), %d unfinished write(s)",
            deleted,
            unfinished,
        )
        audit.record(
            "sweep_document_orphans",
            "document",
            None,
            objects=deleted,
            unfinished=unfinished,
            channel="worker",
        )
        db.session.commit()
    return deleted


def _batches(keys: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _referenced(keys: list[str]) -> set[str]:
    """Those of ``keys`` a document row names, as its bytes or its thumbnail."""
    found = db.session.execute(
        select(Document.storage_key, Document.thumbnail_key).where(
            or_(Document.storage_key.in_(keys), Document.thumbnail_key.in_(keys))
        )
    )
    return {key for row in found for key in row if key is not None}


# -- Key rotation --------------------------------------------------------------------------


def rotate_all(batch_size: int = 50) -> int:
    """Re-seal every kept document under a new data key wrapped by the first key.

    Not only re-wrapping: the bytes are re-encrypted, so an old key and an old
    copy of the database no longer open what the storage holds. Each batch
    commits; the old objects are deleted once the new ones are recorded.
    """
    changed = 0
    for rows in in_id_batches(Document, Document.purged_at.is_(None), batch_size=batch_size):
        for document in rows:
            _reseal(document)
            changed += 1
        db.session.commit()
    return changed


def _reseal(document: Document) -> None:
    old_key = sealing.unwrap_key(document.data_key_wrapped)
    new_data_key = sealing.new_data_key()
    updates = {}
    for column in ("storage_key", "thumbnail_key"):
        key = getattr(document, column)
        if not key:
            continue
        fresh = new_key(".png" if column == "thumbnail_key" else "")
        _remember(db.session, "written", fresh)
        storage().put(
            fresh, sealing.encrypt_chunks(new_data_key, _decrypted(key, old_key), fresh.encode())
        )
        _remember(db.session, "obsolete", key)
        updates[column] = fresh
    for column, value in updates.items():
        setattr(document, column, value)
    document.data_key_wrapped = sealing.wrap_key(new_data_key)


# -- The storage follows the transaction ---------------------------------------------------


def _remember(session, kind: str, key: str) -> None:
    session.info.setdefault(f"documents_{kind}", set()).add(key)


def _delete_quietly(keys: set[str]) -> None:
    for key in keys:
        try:
            storage().delete(key)
        except Exception:  # noqa: BLE001 (an orphan object is sealed; never fail the request)
            log.warning("could not delete a stored document object", exc_info=True)


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    session.info.pop("documents_written", None)
    obsolete = session.info.pop("documents_obsolete", set())
    if obsolete:
        _delete_quietly(obsolete)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop("documents_obsolete", None)
    written = session.info.pop("documents_written", set())
    if written:
        _delete_quietly(written)
