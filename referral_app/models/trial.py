"""Clinical trials and the sites (centres) where they recruit.

The niche rule (one recruiting site per region for a niche trial) is enforced by
the service layer and backed by a partial unique index over columns copied onto
the site row: ``region_id`` from the centre and ``niche`` from the trial.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.enums import Phase, SiteStatus, TrialStatus
from referral_app.extensions import db
from referral_app.models import fulltext
from referral_app.models.columns import enum_column
from referral_app.timeutil import utcnow

if TYPE_CHECKING:
    from referral_app.models.community import Community
    from referral_app.models.network import Centre, Region
    from referral_app.models.user import User

site_intake_contacts = sa.Table(
    "site_intake_contacts",
    db.metadata,
    sa.Column("site_id", sa.ForeignKey("trial_sites.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Trial(db.Model):
    __tablename__ = "trials"
    __table_args__ = (
        sa.CheckConstraint(
            "length(nct_number) = 11 AND substr(nct_number, 1, 3) = 'NCT'", name="nct_format"
        ),
        sa.Index("ix_trials_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nct_number: Mapped[str] = mapped_column(sa.String(11), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    acronym: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    sponsor: Mapped[str] = mapped_column(sa.String(200), default="")
    phase: Mapped[Phase] = mapped_column(enum_column(Phase, "trial_phase"), default=Phase.NA)
    community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="SET NULL")
    )
    tumour_site: Mapped[str] = mapped_column(sa.String(120), default="")
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    eligibility_summary: Mapped[str] = mapped_column(sa.Text, default="")
    biomarkers: Mapped[str] = mapped_column(sa.String(300), default="")
    is_niche: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Document categories a referral must carry before it is submitted (issue 13).
    required_documents: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    # The current eligibility criteria (a copy of the last ``EligibilityVersion``) and
    # its number; 0 while the trial has none.
    criteria: Mapped[list[dict]] = mapped_column(sa.JSON, default=list, server_default="[]")
    eligibility_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # True while an imported study awaits review (``trials.review``): not announced,
    # not public, not referable until a person publishes it.
    awaiting_review: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The registry's own status (ClinicalTrials.gov ``overallStatus``) when imported:
    # shown as the registry says it; ``status`` is what referrals obey.
    registry_status: Mapped[str | None] = mapped_column(sa.String(30))
    # The registry's complete record as last imported (``trials.ctgov_details``).
    registry_record: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # A newer registry record of a published trial, held until a person applies or
    # rejects it (``trials.review``); the digest names the version reviewed.
    pending_record: Mapped[dict | None] = mapped_column(sa.JSON)
    pending_digest: Mapped[str | None] = mapped_column(sa.String(64))
    pending_since: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # An imported study a reviewer turned down: kept (not public), out of the queue.
    rejected_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Biomarkers the registry names that a curator said are not criteria of this trial.
    dismissed_biomarkers: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    # What full-text search reads (``eligibility.terms``), kept by the listener below.
    search_terms: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[TrialStatus] = mapped_column(
        enum_column(TrialStatus, "trial_status"), default=TrialStatus.UPCOMING, index=True
    )
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    source: Mapped[str] = mapped_column(sa.String(20), default="manual", server_default="manual")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    community: Mapped[Community | None] = relationship()
    sites: Mapped[list[TrialSite]] = relationship(
        back_populates="trial", cascade="all, delete-orphan", order_by="TrialSite.id"
    )

    @property
    def label(self) -> str:
        return f"{self.acronym} ({self.nct_number})" if self.acronym else self.nct_number

    @property
    def is_published(self) -> bool:
        return not self.awaiting_review


@sa.event.listens_for(Trial, "before_insert")
@sa.event.listens_for(Trial, "before_update")
def _keep_search_terms(_mapper, _connection, trial: Trial) -> None:
    from referral_app.eligibility.terms import search_terms

    trial.search_terms = search_terms(trial)


@sa.event.listens_for(Trial.__table__, "after_create")
def _install_fulltext(_table, connection, **_kw) -> None:
    """``create_all`` (tests, a new database) makes the search index too."""
    fulltext.install(connection)


class TrialSite(db.Model):
    __tablename__ = "trial_sites"
    __table_args__ = (
        sa.UniqueConstraint("trial_id", "centre_id"),
        sa.Index(
            "uq_trial_sites_niche_region",
            "trial_id",
            "region_id",
            unique=True,
            sqlite_where=sa.text("niche AND status = 'recruiting'"),
            postgresql_where=sa.text("niche AND status = 'recruiting'"),
        ),
        sa.Index("ix_trial_sites_centre_status", "centre_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(sa.ForeignKey("trials.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"))
    niche: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[SiteStatus] = mapped_column(
        enum_column(SiteStatus, "site_status"), default=SiteStatus.UPCOMING
    )
    investigator_name: Mapped[str] = mapped_column(sa.String(160), default="")
    # Who last vouched that the site recruits, and when (``trials.confirmation``): set
    # when it opens and each time an intake contact confirms it; asked every 30 days.
    vouched_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    vouched_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    slots_left: Mapped[int | None] = mapped_column(sa.SmallInteger)
    registry_status: Mapped[str | None] = mapped_column(sa.String(30))  # the location's
    confirmation_asked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    unverified_told_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    opened_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    trial: Mapped[Trial] = relationship(back_populates="sites")
    centre: Mapped[Centre] = relationship(lazy="joined")
    region: Mapped[Region] = relationship()
    intake_contacts: Mapped[list[User]] = relationship(secondary=site_intake_contacts)
    vouched_by: Mapped[User | None] = relationship(foreign_keys=[vouched_by_id])

    @property
    def is_recruiting(self) -> bool:
        return self.status == SiteStatus.RECRUITING and self.trial.status == TrialStatus.RECRUITING


class FacilityAlias(db.Model):
    """A registry's facility name, normalised (``trials.ctgov.normalise``), for a centre:
    admins map an unmatched Quebec location once and later imports match it."""

    __tablename__ = "facility_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(sa.String(200), unique=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    centre: Mapped[Centre] = relationship()
