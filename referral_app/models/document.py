"""Clinical documents attached to a referral (issue 13).

A row describes one version of one document; its bytes are sealed
(``documents.sealing``) under ``storage_key`` with a per-document data key that
the patient-data keys wrap (``data_key_wrapped``). Replacing a document adds a
row that ``replaces`` the old one, which is then ``superseded_at``: nothing is
deleted once the referral is submitted, except by the retention job, which
removes the bytes and keeps the row as a tombstone (``purged_at``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.enums import DocumentCategory
from referral_app.extensions import db
from referral_app.models.columns import enum_column
from referral_app.timeutil import utcnow
from referral_app.workflow.states import Side

if TYPE_CHECKING:
    from referral_app.models.referral import Referral, ReferralEvent
    from referral_app.models.user import User


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        sa.Index("ix_documents_referral", "referral_id", "id"),
        sa.CheckConstraint("size_bytes >= 0", name="document_size"),
        sa.CheckConstraint("version >= 1", name="document_version"),
        # Bytes and their key go together; a purged document has neither.
        sa.CheckConstraint(
            "(purged_at IS NULL) = (storage_key IS NOT NULL AND data_key_wrapped IS NOT NULL)",
            name="document_bytes_or_tombstone",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    category: Mapped[DocumentCategory] = mapped_column(
        enum_column(DocumentCategory, "document_category")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    replaces_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    superseded_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploader_side: Mapped[Side] = mapped_column(enum_column(Side, "document_side"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The answer to an information request it came with, if any.
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referral_events.id", ondelete="SET NULL")
    )

    storage_key: Mapped[str | None] = mapped_column(sa.String(48), unique=True)
    data_key_wrapped: Mapped[str | None] = mapped_column(sa.Text)
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(48))
    purged_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    referral: Mapped[Referral] = relationship()
    uploaded_by: Mapped[User] = relationship()
    event: Mapped[ReferralEvent | None] = relationship()
    replaces: Mapped[Document | None] = relationship(remote_side=[id])

    @hybrid_property
    def is_current(self) -> bool:
        """Neither superseded nor purged; the same rule in SQL (``Document.is_current``)
        for the conditional UPDATE that lets one new version win."""
        return self.superseded_at is None and self.purged_at is None

    @is_current.inplace.expression
    @classmethod
    def _is_current_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.superseded_at.is_(None), cls.purged_at.is_(None))
