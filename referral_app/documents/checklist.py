"""Which documents a referral should carry (issue 13): the trial's, and those asked for.

A trial lists the categories a referral must carry before it is submitted
(``Trial.required_documents``; the submit guard refuses without them). An
information request names the categories it needs (its ``requested_documents``);
the referrer's later documents of those categories satisfy it. Read by the
submit guard, the referral page and the API, so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select

from referral_app.enums import DocumentCategory
from referral_app.extensions import db
from referral_app.labels import DOCUMENT_CATEGORY_LABELS
from referral_app.models import Document, Referral, ReferralEvent
from referral_app.timeutil import as_utc
from referral_app.workflow.states import Event, Side


def category_label(category: DocumentCategory | str) -> str:
    return str(DOCUMENT_CATEGORY_LABELS.get(DocumentCategory(category), category))


def documents_of(referral: Referral) -> list[Document]:
    """Every version of every document, oldest first (tombstones included)."""
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.referral_id == referral.id)
            .options(sa.orm.joinedload(Document.uploaded_by))
            .order_by(Document.id)
        )
    )


def current_documents(referral: Referral) -> list[Document]:
    return [d for d in documents_of(referral) if d.is_current]


@dataclass(frozen=True)
class ChecklistItem:
    category: DocumentCategory
    label: str
    why: str  # "trial": required to submit; "request": asked for by the receiving side
    satisfied: bool


def latest_request(referral: Referral) -> ReferralEvent | None:
    """The last information request, while the referral waits for its answer or after."""
    return db.session.scalar(
        select(ReferralEvent)
        .where(
            ReferralEvent.referral_id == referral.id,
            ReferralEvent.event == Event.REQUEST_INFO.value,
        )
        .order_by(ReferralEvent.id.desc())
        .limit(1)
    )


def required_categories(referral: Referral) -> list[DocumentCategory]:
    """The trial's required documents (``Trial.required_documents``), known values only."""
    known = {c.value: c for c in DocumentCategory}
    return [known[c] for c in referral.trial.required_documents or [] if c in known]


def requested_categories(request: ReferralEvent | None) -> list[DocumentCategory]:
    if request is None:
        return []
    known = {c.value: c for c in DocumentCategory}
    return [known[c] for c in (request.data or {}).get("requested_documents", []) if c in known]


def missing_for_submit(referral: Referral) -> list[DocumentCategory]:
    """The trial's required categories without a current document; no query when none are."""
    required = required_categories(referral)
    if not required:
        return []
    present = {d.category for d in current_documents(referral)}
    return [c for c in required if c not in present]


def checklist(referral: Referral, documents: Sequence[Document]) -> list[ChecklistItem]:
    """The trial's required categories, then those the last information request names.

    A requested category is satisfied by a document the referring side added
    after the request (a new version counts); a required one by any current one.
    """
    current = [d for d in documents if d.is_current]
    items = [
        ChecklistItem(c, category_label(c), "trial", any(d.category == c for d in current))
        for c in required_categories(referral)
    ]
    request = latest_request(referral)
    for c in requested_categories(request):
        answered = any(
            d.category == c
            and d.uploader_side == Side.REFERRING
            and as_utc(d.uploaded_at) >= as_utc(request.created_at)
            for d in current
        )
        items.append(ChecklistItem(c, category_label(c), "request", answered))
    return items


# -- On the timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentEntry:
    """A document's arrival on the timeline (``kind`` "document")."""

    document: Document
    kind: str = "document"

    @property
    def created_at(self):
        return self.document.uploaded_at


@dataclass(frozen=True)
class PurgeEntry:
    """The tombstone of a retention purge: when, and how many documents (``kind`` "purge")."""

    created_at: object
    count: int
    kind: str = "purge"


def timeline_entries(documents: Sequence[Document], *, clinical: bool) -> list:
    """Arrivals for readers of clinical content; purges (a date and a count) for all."""
    entries: list = [DocumentEntry(d) for d in documents] if clinical else []
    purges: dict = {}
    for d in documents:
        if d.purged_at is not None:
            purges[d.purged_at] = purges.get(d.purged_at, 0) + 1
    entries += [PurgeEntry(when, count) for when, count in purges.items()]
    return entries
