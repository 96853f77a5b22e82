"""The structured summary's fields, shared by the referral form and the trial finder.

``SummaryFields`` is a mixin: its fields are named as the draft's keys
(``eligibility.summary.DRAFT_KEYS``) and ``summary_data()`` gives what the draft
service (or, through ``finder_summary``, the finder) reads, so both forms check
the same summary in the same place. Biomarker results are ``MARKER_ROWS`` rows of
(marker, result, percent); empty rows are ignored.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import NumberRange, Optional

from referral_app.eligibility import vocabulary
from referral_app.eligibility.criteria import STAGES
from referral_app.eligibility.summary import DRAFT_KEYS
from referral_app.forms import BaseForm

MARKER_ROWS = 6
TRISTATE = [("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))]


def _tristate(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else value


def _tristate_data(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def tumour_choices() -> dict:
    """OncoTree types grouped by tissue, in the reader's language (optgroups)."""
    return _tumour_choices(vocabulary.current_language())


@lru_cache(maxsize=4)
def _tumour_choices(language: str) -> dict:
    groups: dict[str, list[tuple[str, str]]] = {}
    types = vocabulary.tumour_types()
    for kind in sorted(types.values(), key=lambda t: vocabulary.label(t, language).lower()):
        top = (vocabulary.ancestors(kind.code) or (kind.code,))[-1]
        group = vocabulary.label(types[top], language) if top in types else kind.tissue
        name = vocabulary.label(kind, language)
        groups.setdefault(group, []).append((kind.code, f"{name} ({kind.code})"))
    # A dict: WTForms renders each key as an <optgroup>.
    return {"": [("", "—")], **{group: groups[group] for group in sorted(groups)}}


def marker_choices() -> list[tuple[str, str]]:
    """ "GENE:ALTERATION" (or "GENE:" for the gene as a whole) with readable labels."""
    choices = [("", "—")]
    for gene in sorted(vocabulary.biomarkers().values(), key=lambda g: g.gene):
        choices.append((f"{gene.gene}:", f"{gene.gene}"))
        for code, alteration in gene.alterations.items():
            choices.append((f"{gene.gene}:{code}", f"{gene.gene} — {vocabulary.label(alteration)}"))
    return choices


def therapy_choices() -> list[tuple[str, str]]:
    classes = vocabulary.drug_classes().values()
    return sorted(((c.code, vocabulary.label(c)) for c in classes), key=lambda c: c[1].lower())


class SummaryFields:
    """Mixin of a ``BaseForm``: the summary's structured fields (draft key names)."""

    tumour_code = SelectField(_l("Tumour type (OncoTree)"), choices=[])
    stage_group = SelectField(
        _l("Stage group"), choices=[("", "—")] + [(s, s) for s in STAGES], validate_choice=True
    )
    patient_age = IntegerField(
        _l("Age (years)"), validators=[Optional(), NumberRange(min=0, max=120)]
    )
    brain_metastases = SelectField(_l("Brain metastases"), choices=TRISTATE)
    measurable_disease = SelectField(_l("Measurable disease (RECIST)"), choices=TRISTATE)
    therapies_known = BooleanField(_l("Prior therapies are listed (none ticked: none received)"))
    prior_therapies = SelectMultipleField(
        _l("Prior therapies received"), choices=[], validate_choice=False
    )

    def setup_summary_choices(self) -> None:
        """Choices in the reader's language, made per request."""
        self.tumour_code.choices = tumour_choices()
        self.prior_therapies.choices = therapy_choices()
        markers = marker_choices()
        for n in range(MARKER_ROWS):
            getattr(self, f"marker_{n}").choices = markers

    def marker_rows(self) -> list[tuple]:
        return [
            (
                getattr(self, f"marker_{n}"),
                getattr(self, f"marker_status_{n}"),
                getattr(self, f"marker_percent_{n}"),
            )
            for n in range(MARKER_ROWS)
        ]

    def summary_data(self) -> dict[str, Any]:
        """The draft's keys for the structured summary, as the service reads them."""
        results = []
        for marker, status, percent in self.marker_rows():
            if not marker.data:
                continue
            gene, _sep, alteration = marker.data.partition(":")
            result: dict[str, Any] = {
                "gene": gene,
                "alteration": alteration or None,
                "status": status.data or "positive",
            }
            if percent.data is not None:
                result["percent"] = float(percent.data)
            results.append(result)
        return {
            "tumour_code": self.tumour_code.data or None,
            "stage_group": self.stage_group.data or None,
            "patient_age": self.patient_age.data,
            "brain_metastases": _tristate(self.brain_metastases.data),
            "measurable_disease": _tristate(self.measurable_disease.data),
            "prior_therapies": list(self.prior_therapies.data or [])
            if self.therapies_known.data or self.prior_therapies.data
            else None,
            "biomarker_results": results,
        }

    def show_summary(self, referral) -> None:
        """Fill the fields from a referral's stored summary."""
        self.tumour_code.data = referral.tumour_code or ""
        self.stage_group.data = referral.stage_group or ""
        self.patient_age.data = referral.patient_age
        self.brain_metastases.data = _tristate_data(referral.brain_metastases)
        self.measurable_disease.data = _tristate_data(referral.measurable_disease)
        self.therapies_known.data = referral.prior_therapies is not None
        self.prior_therapies.data = list(referral.prior_therapies or [])
        rows = list(referral.biomarker_results or [])[:MARKER_ROWS]
        for n, (marker, status, percent) in enumerate(self.marker_rows()):
            item = rows[n] if n < len(rows) else None
            marker.data = f"{item['gene']}:{item.get('alteration') or ''}" if item else ""
            status.data = item.get("status", "positive") if item else "positive"
            percent.data = item.get("percent") if item else None

    def add_summary_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Put the summary's errors on their fields; returns the others."""
        rest = {}
        for key, message in errors.items():
            target = "marker_0" if key == "biomarker_results" else key
            field = getattr(self, target, None)
            if key in DRAFT_KEYS and field is not None:
                field.errors = [*list(field.errors or []), message]
            else:
                rest[key] = message
        return rest


def _marker_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for n in range(MARKER_ROWS):
        fields[f"marker_{n}"] = SelectField(
            _l("Biomarker %(n)d", n=n + 1), choices=[], validate_choice=False
        )
        fields[f"marker_status_{n}"] = SelectField(
            _l("Result"),
            choices=[("positive", _l("Positive / present")), ("negative", _l("Negative / absent"))],
            default="positive",
        )
        fields[f"marker_percent_{n}"] = DecimalField(
            _l("Percent (PD-L1…)"),
            validators=[Optional(), NumberRange(min=0, max=100)],
            places=None,
        )
    return fields


for _name, _field in _marker_fields().items():
    setattr(SummaryFields, _name, _field)


class FinderForm(SummaryFields, BaseForm):
    """The trial finder: a summary without identifiers, and how to search."""

    histology = StringField(_l("Histology"), validators=[Optional()])
    ecog = SelectField(
        _l("ECOG performance status"),
        choices=[("", "—")] + [(str(n), str(n)) for n in range(5)],
    )
    prior_lines = IntegerField(
        _l("Prior lines of therapy"), validators=[Optional(), NumberRange(min=0, max=20)]
    )
    region_id = SelectField(_l("Patient's region"), choices=[], validate_choice=False)
    q = StringField(_l("Words (title, condition, eligibility; French or English)"))
    include_own_centre = BooleanField(_l("Include my own centre's sites"))

    def finder_summary(self) -> dict[str, Any]:
        """The summary's JSON keys (``summary.parse``) from the form."""
        data = self.summary_data()
        by_summary_name = {DRAFT_KEYS[k]: v for k, v in data.items()}
        return {
            **by_summary_name,
            "histology": self.histology.data or "",
            "ecog": self.ecog.data or None,
            "prior_lines": self.prior_lines.data,
            "region_id": self.region_id.data or None,
        }
