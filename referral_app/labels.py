"""Translated labels for stored codes (states, roles, urgencies, phases…)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from referral_app.enums import (
    DocumentCategory,
    EmailMode,
    Phase,
    Role,
    SiteStatus,
    TrialStatus,
    Urgency,
)
from referral_app.workflow.states import STATES

ROLE_LABELS = {
    Role.COORDINATOR: _l("Research coordinator"),
    Role.NURSE: _l("Research nurse"),
    Role.PHYSICIAN: _l("Physician"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Network administrator"),
}

STATE_LABELS = {state: spec.label for state, spec in STATES.items()}

URGENCY_LABELS = {
    Urgency.ROUTINE: _l("Routine"),
    Urgency.PRIORITY: _l("Priority"),
    Urgency.URGENT: _l("Urgent"),
}

TRIAL_STATUS_LABELS = {
    TrialStatus.UPCOMING: _l("Upcoming"),
    TrialStatus.RECRUITING: _l("Recruiting"),
    TrialStatus.SUSPENDED: _l("Suspended"),
    TrialStatus.CLOSED: _l("Closed"),
}

SITE_STATUS_LABELS = {
    SiteStatus.UPCOMING: _l("Upcoming"),
    SiteStatus.RECRUITING: _l("Recruiting"),
    SiteStatus.CLOSED: _l("Closed"),
}

PHASE_LABELS = {
    Phase.PHASE1: _l("Phase I"),
    Phase.PHASE1_2: _l("Phase I/II"),
    Phase.PHASE2: _l("Phase II"),
    Phase.PHASE2_3: _l("Phase II/III"),
    Phase.PHASE3: _l("Phase III"),
    Phase.PHASE4: _l("Phase IV"),
    Phase.NA: _l("Not applicable"),
}

EMAIL_MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("Immediately"),
    EmailMode.DIGEST: _l("Daily digest"),
}

DOCUMENT_CATEGORY_LABELS = {
    DocumentCategory.PATHOLOGY: _l("Pathology report"),
    DocumentCategory.IMAGING: _l("Imaging report"),
    DocumentCategory.LABORATORY: _l("Laboratory results"),
    DocumentCategory.MOLECULAR: _l("Molecular / genomic report"),
    DocumentCategory.CONSULT_NOTE: _l("Consult note"),
    DocumentCategory.CONSENT_FORM: _l("Consent form"),
    DocumentCategory.OTHER: _l("Other document"),
}

ALL_LABELS = {
    "role": ROLE_LABELS,
    "state": STATE_LABELS,
    "urgency": URGENCY_LABELS,
    "trial_status": TRIAL_STATUS_LABELS,
    "site_status": SITE_STATUS_LABELS,
    "phase": PHASE_LABELS,
    "email_mode": EMAIL_MODE_LABELS,
    "document_category": DOCUMENT_CATEGORY_LABELS,
}


def label(kind: str, value) -> str:
    """The translated label of a code, or the code itself when unknown."""
    table = ALL_LABELS[kind]
    for key, text in table.items():
        if key == value or key.value == value:
            return str(text)
    return str(value)
