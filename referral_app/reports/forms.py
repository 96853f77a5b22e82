"""Report filters (a GET form, no CSRF: it changes nothing) and the export form."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError

from referral_app.extensions import db
from referral_app.forms import BaseForm
from referral_app.labels import URGENCY_LABELS
from referral_app.models import Centre, Community, Trial, Urgency
from referral_app.reports import scope as scopes


def optional_int(value) -> int | None:
    """``""`` → None, ``"12"`` → 12; anything else is refused by the field."""
    if value in (None, "", "None"):
        return None
    return int(value)


def optional_urgency(value) -> Urgency | None:
    if value in (None, "", "None"):
        return None
    return Urgency(value)


# "All" agrees with its noun in French ("Toutes les communautés", "Tous les essais").
ALL_COMMUNITIES = ("", _l("All communities"))
ALL_TRIALS = ("", _l("All trials"))
ALL_CENTRES = ("", _l("All centres"))
ALL_URGENCIES = ("", _l("All urgencies"))


class FilterForm(BaseForm):
    class Meta:
        csrf = False  # read with GET: it only narrows what the user may already see

    view = SelectField(_l("Report"), choices=[], validate_choice=True)
    date_from = DateField(_l("Submitted from"), validators=[Optional()])
    date_to = DateField(_l("Submitted until"), validators=[Optional()])
    community = SelectField(_l("Community"), coerce=optional_int, validators=[Optional()])
    trial = SelectField(_l("Trial"), coerce=optional_int, validators=[Optional()])
    centre = SelectField(_l("Centre"), coerce=optional_int, validators=[Optional()])
    urgency = SelectField(_l("Urgency"), coerce=optional_urgency, validators=[Optional()])
    submit = SubmitField(_l("Apply"))

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def fill_choices(self, available: list[scopes.Scope], language: str) -> None:
        self.view.choices = [(scope.kind, scope.label) for scope in available]
        led = next((s.community_ids for s in available if s.kind == scopes.COMMUNITY), ())
        network_wide = any(s.kind != scopes.COMMUNITY for s in available)
        name = Community.name_en if language == "en" else Community.name_fr
        communities = sa.select(Community.id, name).order_by(name)
        if not network_wide:
            communities = communities.where(Community.id.in_(led))
        self.community.choices = [ALL_COMMUNITIES, *db.session.execute(communities).all()]

        trials = sa.select(Trial.id, Trial.acronym, Trial.nct_number).order_by(
            Trial.acronym, Trial.nct_number
        )
        community_id = _raw_int(self.community.raw_data)
        if community_id:
            trials = trials.where(Trial.community_id == community_id)
        elif not network_wide:
            trials = trials.where(Trial.community_id.in_(led))
        self.trial.choices = [
            ALL_TRIALS,
            *(
                (tid, f"{acronym} ({nct})" if acronym else nct)
                for tid, acronym, nct in db.session.execute(trials)
            ),
        ]
        centres = sa.select(Centre.id, Centre.short_name, Centre.name).order_by(Centre.short_name)
        self.centre.choices = [
            ALL_CENTRES,
            *((cid, f"{short} — {full}") for cid, short, full in db.session.execute(centres)),
        ]
        self.urgency.choices = [
            ALL_URGENCIES,
            *((u.value, text) for u, text in URGENCY_LABELS.items()),
        ]

    def filters(self) -> scopes.Filters:
        return scopes.Filters(
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            community_id=self.community.data,
            trial_id=self.trial.data,
            centre_id=self.centre.data,
            urgency=self.urgency.data,
        )


def _raw_int(raw: list | None) -> int | None:
    try:
        return optional_int(raw[0]) if raw else None
    except ValueError:
        return None


def default_date_from(today: dt.date) -> dt.date:
    """First day of the month eleven months ago: the trend shows twelve months."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


EXPORT_KINDS = [
    ("referrals", _l("Referrals (one row each)")),
    ("states", _l("Referrals by state")),
    ("funnel", _l("Funnel")),
    ("durations", _l("Time to acknowledge, decide, enroll")),
    ("reasons", _l("Decline, screen-failure and withdrawal reasons")),
    ("flow", _l("Flow between centres")),
    ("trend", _l("Monthly trend")),
    ("trials", _l("Per trial")),
    ("communities", _l("Per community")),
    ("credit", _l("Referring centres")),
    ("overdue", _l("Overdue referrals")),
    ("coverage", _l("Niche-trial coverage by region")),
    ("all", _l("All tables (XLSX workbook)")),
]


class ExportForm(BaseForm):
    kind = SelectField(_l("What"), choices=EXPORT_KINDS, default="referrals")
    file_format = SelectField(
        _l("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX (Excel)")], default="csv"
    )
    submit = SubmitField(_l("Export"))

    def validate_file_format(self, field) -> None:
        if self.kind.data == "all" and field.data != "xlsx":
            raise ValidationError(_l("All the tables together come as an XLSX workbook."))
