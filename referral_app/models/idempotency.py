"""Answers kept for ``Idempotency-Key`` headers: a retried write gets the first answer."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from referral_app.extensions import db
from referral_app.timeutil import utcnow


class IdempotencyKey(db.Model):
    """One key per user: the request it answered (a hash) and that answer.

    Written in the same transaction as the work, so an answer is kept exactly when
    the work is; the unique constraint makes a concurrent duplicate fail at commit.
    The answer may show patient identifiers: it is kept encrypted with the patient
    data keys (``patient_data.seal``), and showing it again is audited.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(100))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    answer_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
