"""The patient's summary as data: what eligibility criteria are checked against.

One shape for the three places a summary comes from: a referral's columns
(``of_referral``), the trial finder's form and the API's JSON (``parse``), so the
checklist at submission, the finder and the watchlist all evaluate the same thing.
No identifier is part of it: the finder works before a patient is named.

``None`` always means *not given* (the criterion is then "unknown"), which is not
the same as *none*: ``prior_therapies=()`` says the patient had no prior therapy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from referral_app.eligibility import vocabulary
from referral_app.eligibility.criteria import STAGES, Invalid

STATUSES = ("positive", "negative")


class SummaryInvalid(Invalid):
    """``errors``: ``{field: message}``."""


@dataclass(frozen=True)
class BiomarkerResult:
    gene: str  # the vocabulary's symbol (``ERBB2``, not ``HER2``)
    alteration: str | None  # a code of the gene, or None: the gene as a whole
    status: str  # "positive" | "negative"
    percent: float | None = None  # expression markers: PD-L1 TPS 60

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class PatientSummary:
    tumour_code: str | None = None
    histology: str = ""
    stage: str | None = None
    biomarkers: tuple[BiomarkerResult, ...] = ()
    ecog: int | None = None
    age: int | None = None
    prior_lines: int | None = None
    prior_therapies: tuple[str, ...] | None = None
    brain_metastases: bool | None = None
    measurable_disease: bool | None = None
    region_id: int | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "tumour_code": self.tumour_code,
            "histology": self.histology,
            "stage": self.stage,
            "biomarkers": [b.as_json() for b in self.biomarkers],
            "ecog": self.ecog,
            "age": self.age,
            "prior_lines": self.prior_lines,
            "prior_therapies": None if self.prior_therapies is None else list(self.prior_therapies),
            "brain_metastases": self.brain_metastases,
            "measurable_disease": self.measurable_disease,
            "region_id": self.region_id,
        }


def of_referral(referral) -> PatientSummary:
    """The summary a referral's columns hold (invalid stored values read as not given)."""
    results = []
    for item in referral.biomarker_results or []:
        try:
            results.append(_biomarker(item))
        except ValueError:
            continue
    therapies = referral.prior_therapies
    return PatientSummary(
        tumour_code=referral.tumour_code,
        histology=referral.histology or "",
        stage=referral.stage_group,
        biomarkers=tuple(results),
        ecog=referral.ecog,
        age=referral.patient_age,
        prior_lines=referral.prior_lines,
        prior_therapies=None if therapies is None else tuple(therapies),
        brain_metastases=referral.brain_metastases,
        measurable_disease=referral.measurable_disease,
        region_id=referral.patient_region_id,
    )


def store_on_referral(referral, summary: PatientSummary) -> None:
    """Write the summary's structured fields to the referral's columns (no commit)."""
    referral.tumour_code = summary.tumour_code
    referral.stage_group = summary.stage
    referral.biomarker_results = [b.as_json() for b in summary.biomarkers]
    referral.patient_age = summary.age
    referral.prior_therapies = (
        None if summary.prior_therapies is None else list(summary.prior_therapies)
    )
    referral.brain_metastases = summary.brain_metastases
    referral.measurable_disease = summary.measurable_disease
    if summary.ecog is not None:
        referral.ecog = summary.ecog
    if summary.prior_lines is not None:
        referral.prior_lines = summary.prior_lines
    if summary.histology:
        referral.histology = summary.histology


def parse(data: dict[str, Any]) -> PatientSummary:
    """A summary from JSON-like data (the API, the finder's form); ``SummaryInvalid``."""
    errors: dict[str, str] = {}

    def take(name, check):
        value = data.get(name)
        if value in (None, ""):
            return None
        try:
            return check(value)
        except (TypeError, ValueError) as error:
            errors[name] = str(error) or str(_l("This value is not valid."))
            return None

    summary = PatientSummary(
        tumour_code=take("tumour_code", _tumour_code),
        histology=str(data.get("histology") or "")[:200],
        stage=take("stage", _stage),
        biomarkers=take("biomarkers", _biomarkers) or (),
        ecog=take("ecog", lambda v: _integer(v, 0, 4)),
        age=take("age", lambda v: _integer(v, 0, 120)),
        prior_lines=take("prior_lines", lambda v: _integer(v, 0, 20)),
        prior_therapies=_therapies(data, errors),
        brain_metastases=take("brain_metastases", _flag),
        measurable_disease=take("measurable_disease", _flag),
        region_id=take("region_id", lambda v: _integer(v, 1, 10**9)),
    )
    if errors:
        raise SummaryInvalid(errors)
    return summary


def _tumour_code(value: Any) -> str:
    code = str(value).strip().upper()
    if code not in vocabulary.tumour_types():
        raise ValueError(_l("Unknown tumour type code %(code)s.", code=code))
    return code


def _stage(value: Any) -> str:
    stage = str(value).strip().upper()
    if stage not in STAGES:
        raise ValueError(_l("A stage is one of %(stages)s.", stages=", ".join(STAGES)))
    return stage


def _integer(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValueError(_l("A whole number is expected."))
    number = int(value)
    if str(value).strip() not in (str(number), f"{number}.0") or not low <= number <= high:
        raise ValueError(_l("A whole number from %(low)d to %(high)d.", low=low, high=high))
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "oui", "1"):
        return True
    if text in ("no", "false", "non", "0"):
        return False
    raise ValueError(_l("Yes, no, or leave it empty when unknown."))


def _therapies(data: dict[str, Any], errors: dict[str, str]) -> tuple[str, ...] | None:
    value = data.get("prior_therapies")
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors["prior_therapies"] = str(_l("A list of drug classes."))
        return None
    known = vocabulary.drug_classes()
    unknown = [v for v in value if v not in known]
    if unknown:
        errors["prior_therapies"] = str(
            _l("Unknown drug class: %(codes)s.", codes=", ".join(unknown))
        )
        return None
    return tuple(dict.fromkeys(value))


def _biomarkers(value: Any) -> tuple[BiomarkerResult, ...]:
    if not isinstance(value, list):
        raise ValueError(_l("A list of biomarker results."))
    if len(value) > 30:
        raise ValueError(_l("At most 30 biomarker results."))
    return tuple(_biomarker(item) for item in value)


def _biomarker(item: Any) -> BiomarkerResult:
    if not isinstance(item, dict):
        raise ValueError(_l("A biomarker result is an object with a gene and a status."))
    gene = vocabulary.biomarker(item.get("gene"))
    if gene is None:
        raise ValueError(_l("Unknown gene %(gene)s.", gene=item.get("gene")))
    alteration = item.get("alteration") or None
    if alteration is not None:
        alteration = str(alteration).upper()
        if alteration not in gene.alterations:
            raise ValueError(
                _l("Unknown alteration %(alt)s of %(gene)s.", alt=alteration, gene=gene.gene)
            )
    status = item.get("status", "positive")
    if status not in STATUSES:
        raise ValueError(_l("A biomarker's status is positive or negative."))
    percent = item.get("percent")
    if percent is not None:
        if isinstance(percent, bool) or not isinstance(percent, int | float):
            raise ValueError(_l("A percentage is a number from 0 to 100."))
        if not 0 <= percent <= 100:
            raise ValueError(_l("A percentage is a number from 0 to 100."))
    return BiomarkerResult(gene.gene, alteration, status, percent)


# The draft's keys for the structured summary, and the summary's names for them.
DRAFT_KEYS = {
    "tumour_code": "tumour_code",
    "stage_group": "stage",
    "biomarker_results": "biomarkers",
    "patient_age": "age",
    "prior_therapies": "prior_therapies",
    "brain_metastases": "brain_metastases",
    "measurable_disease": "measurable_disease",
}


def draft_changes(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Columns to set from a draft's data (only the keys present), and the errors by key.

    The same checks as ``parse``: a draft and the finder accept the same summary.
    """
    present = {key: name for key, name in DRAFT_KEYS.items() if key in data}
    if not present:
        return {}, {}
    given = {name: data[key] for key, name in present.items()}
    try:
        summary = parse(given)
    except SummaryInvalid as invalid:
        by_name = {name: key for key, name in present.items()}
        return {}, {by_name.get(k, k): v for k, v in invalid.errors.items()}
    values = {
        "tumour_code": summary.tumour_code,
        "stage_group": summary.stage,
        "biomarker_results": [b.as_json() for b in summary.biomarkers],
        "patient_age": summary.age,
        "prior_therapies": (
            None if summary.prior_therapies is None else list(summary.prior_therapies)
        ),
        "brain_metastases": summary.brain_metastases,
        "measurable_disease": summary.measurable_disease,
    }
    return {key: values[key] for key in present}, {}
