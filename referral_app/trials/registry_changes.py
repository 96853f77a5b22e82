"""What a newer registry record would change on a published trial, field by field
(issue 15, item 1): what the review queue shows and what decides whether an import
holds a change for review at all (no difference, nothing held).

Plain values in, plain values out: ``trials.ctgov`` builds the two sides (the trial
as published, the trial as the registry now describes it), this module compares
them and says it in words.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from referral_app.labels import label

# Trial columns the import writes, in the order a reviewer reads them.
TRIAL_FIELDS = {
    "title": _l("Title"),
    "acronym": _l("Acronym"),
    "sponsor": _l("Sponsor"),
    "phase": _l("Phase"),
    "status": _l("Status"),
    "registry_status": _l("Registry status"),
    "conditions": _l("Conditions"),
    "eligibility_summary": _l("Eligibility"),
}
# Keys of ``Trial.registry_record`` (``ctgov_details.read_details``).
RECORD_FIELDS = {
    "official_title": _l("Official title"),
    "minimum_age": _l("Minimum age"),
    "maximum_age": _l("Maximum age"),
    "sex": _l("Sex"),
    "healthy_volunteers": _l("Healthy volunteers"),
    "start_date": _l("Start date"),
    "primary_completion_date": _l("Primary completion date"),
    "completion_date": _l("Completion date"),
    "enrollment": _l("Enrollment target"),
    "keywords": _l("Keywords"),
    "collaborators": _l("Collaborators"),
    "central_contacts": _l("Central contacts"),
    "arms": _l("Arms"),
    "interventions": _l("Interventions"),
    "mesh_terms": _l("MeSH terms"),
    "mesh_ancestors": _l("MeSH ancestors"),
}
# Long texts are shown as the lines that changed, not as two whole copies.
LONG_TEXTS = {"eligibility_summary", "conditions"}
# ``eligibility_markdown`` is the same text as ``eligibility_summary`` before its
# escapes are undone: compared once, there.
_LABEL_KINDS = {"phase": "phase", "status": "trial_status"}


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # ("+"/"-", line)


def describe(value: Any, kind: str | None = None) -> str:
    """A value as a reviewer reads it: labels for codes, lists joined, "—" for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, enum.Enum):
        return str(label(kind, value)) if kind else str(value.value)
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list):
        return "; ".join(describe(item) for item in value)
    if isinstance(value, dict):
        shown = [describe(v) for v in value.values() if v not in (None, "", [], {})]
        return " · ".join(shown) or "—"
    return str(value)


def _changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    return [
        (line[0], line[2:])
        for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines())
        if line[:1] in "+-" and line[2:].strip()
    ]


def compare(
    current: dict[str, Any],
    proposed: dict[str, Any],
    current_record: dict[str, Any],
    proposed_record: dict[str, Any],
    sites: list[tuple[str, Any, Any]],
) -> list[Change]:
    """Every difference: trial fields, registry record fields, then sites
    (``(centre name, current status or None, proposed status)``)."""
    found: list[Change] = []
    for name, title in TRIAL_FIELDS.items():
        old, new = current.get(name), proposed.get(name)
        if old == new or (not old and not new):
            continue
        kind = _LABEL_KINDS.get(name)
        lines = _changed_lines(old, new) if name in LONG_TEXTS else []
        found.append(Change(name, str(title), describe(old, kind), describe(new, kind), lines))
    for name, title in RECORD_FIELDS.items():
        old, new = current_record.get(name), proposed_record.get(name)
        if old == new or (not old and not new):
            continue
        found.append(Change(name, str(title), describe(old), describe(new)))
    for centre, old_status, new_status in sites:
        if old_status == new_status:
            continue
        found.append(
            Change(
                "site",
                str(_l("Site: %(centre)s", centre=centre)),
                describe(old_status, "site_status") if old_status else str(_l("not a site")),
                describe(new_status, "site_status"),
            )
        )
    return found
