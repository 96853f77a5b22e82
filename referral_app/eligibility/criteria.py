"""Eligibility as data: the typed criteria of a trial, their JSON form and their checks.

A trial's criteria are a list of JSON objects, one per criterion, stored whole in
an ``EligibilityVersion`` (a new version each time they change; a referral keeps
the version it was checked against). Every object has

- ``id``: short and stable within the trial (``"c1"``, ``"egfr"``…); a decline or a
  screen failure names the criterion by it;
- ``kind``: one of ``KINDS`` below, with that kind's fields;
- ``cohort`` (optional): the arm or cohort it applies to; criteria without one
  apply to every cohort. A patient fits a trial when they fit one of its cohorts.

The kinds and their fields (codes come from ``eligibility.vocabulary``):

====================  ==============================================================
``tumour_site``       ``codes``: OncoTree codes; a patient's code matches a listed
                      code or any code under it in the tree (``NSCLC`` takes ``LUAD``)
``histology``         ``terms``: words, any of which in the patient's histology
                      (accent- and case-insensitive) meets it
``stage``             ``allowed``: stage groups (``STAGES``); ``"III"`` admits
                      ``"IIIA"``, ``"IIIB"``, ``"IIIC"``
``biomarker``         ``gene`` (``EGFR``, ``PD-L1``…), ``alteration`` (a code of that
                      gene, or absent for any), ``mode``: ``required`` | ``excluded``,
                      for an expression marker ``min_percent`` (PD-L1 TPS ≥ 50)
``ecog_max``          ``max``: 0–4
``age``               ``min`` and/or ``max``, in years
``prior_lines``       ``min`` and/or ``max``: lines of systemic therapy for the
                      advanced disease
``prior_therapy``     ``drug_class`` (vocabulary code), ``mode``: ``required`` |
                      ``excluded``
``brain_metastases``  ``allowed``: true | false (false: a patient with brain
                      metastases does not meet it); ``required``: true for a
                      trial of brain metastases (a patient without does not)
``measurable_disease````required``: true
``free_text``         ``text_fr``, ``text_en``, ``mode``: ``inclusion`` |
                      ``exclusion``; always checked by a person (``may_change``
                      optional: e.g. a washout period)
====================  ==============================================================

Example::

    [{"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
     {"id": "egfr", "kind": "biomarker", "gene": "EGFR", "alteration": "EX19DEL",
      "mode": "required", "cohort": "A"},
     {"id": "ecog", "kind": "ecog_max", "max": 1}]

``parse`` checks a list and returns ``Criterion`` objects or raises
``CriteriaInvalid`` with one message per bad item; nothing half-valid is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from referral_app.eligibility import vocabulary

KINDS = (
    "tumour_site",
    "histology",
    "stage",
    "biomarker",
    "ecog_max",
    "age",
    "prior_lines",
    "prior_therapy",
    "brain_metastases",
    "measurable_disease",
    "free_text",
)
KIND_LABELS = {
    "tumour_site": _l("Tumour site"),
    "histology": _l("Histology"),
    "stage": _l("Stage"),
    "biomarker": _l("Biomarker"),
    "ecog_max": _l("ECOG performance status"),
    "age": _l("Age"),
    "prior_lines": _l("Prior lines of therapy"),
    "prior_therapy": _l("Prior therapy"),
    "brain_metastases": _l("Brain metastases"),
    "measurable_disease": _l("Measurable disease"),
    "free_text": _l("Other criterion (checked by a person)"),
}
# Criteria whose answer can change with time or treatment: a screen failure on one
# of them puts the patient on the watchlist (the performance status improves, brain
# metastases are treated, measurable disease appears, another line is given).
MAY_CHANGE_KINDS = frozenset({"ecog_max", "brain_metastases", "measurable_disease", "prior_lines"})
STAGES = (
    "0",
    "I",
    "IA",
    "IB",
    "II",
    "IIA",
    "IIB",
    "IIC",
    "III",
    "IIIA",
    "IIIB",
    "IIIC",
    "IV",
    "IVA",
    "IVB",
    "IVC",
    "LIMITED",
    "EXTENSIVE",
    "RECURRENT",
)
MODES = {"biomarker": ("required", "excluded"), "prior_therapy": ("required", "excluded")}
FREE_TEXT_MODES = ("inclusion", "exclusion")
MAX_CRITERIA = 60
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


class Invalid(ValueError):  # noqa: N818 (the input's state)
    """Refused input: ``errors`` is ``{where: message}``, one per refused part."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class CriteriaInvalid(Invalid):
    """``errors``: ``{index or "criteria": message}``, one per refused item."""


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    cohort: str | None = None

    @property
    def may_change(self) -> bool:
        if self.kind == "free_text":
            return bool(self.params.get("may_change"))
        return self.kind in MAY_CHANGE_KINDS

    def as_json(self) -> dict[str, Any]:
        data = {"id": self.id, "kind": self.kind, **self.params}
        if self.cohort:
            data["cohort"] = self.cohort
        return data


def parse(items: Any) -> list[Criterion]:
    """The criteria of a JSON list, every item checked; ``CriteriaInvalid`` otherwise."""
    if not isinstance(items, list):
        raise CriteriaInvalid({"criteria": str(_l("Criteria are a list."))})
    if len(items) > MAX_CRITERIA:
        raise CriteriaInvalid(
            {"criteria": str(_l("At most %(n)d criteria.", n=MAX_CRITERIA))}  # type: ignore[call-arg]
        )
    errors: dict[str, str] = {}
    parsed: list[Criterion] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        try:
            criterion = _parse_one(item)
        except ValueError as error:
            errors[str(index)] = str(error)
            continue
        if criterion.id in seen:
            errors[str(index)] = str(_l("Two criteria have the id %(id)s.", id=criterion.id))  # type: ignore[call-arg]
            continue
        seen.add(criterion.id)
        parsed.append(criterion)
    if errors:
        raise CriteriaInvalid(errors)
    return parsed


def _parse_one(item: Any) -> Criterion:
    if not isinstance(item, dict):
        raise ValueError(_l("Each criterion is an object."))
    criterion_id = item.get("id")
    if not isinstance(criterion_id, str) or not _ID.fullmatch(criterion_id):
        raise ValueError(_l("An id is 1 to 30 lowercase letters, digits, - or _."))
    kind = item.get("kind")
    if kind not in KINDS:
        raise ValueError(_l("Unknown kind %(kind)r.", kind=kind))  # type: ignore[call-arg]
    cohort = item.get("cohort")
    if cohort is not None and (not isinstance(cohort, str) or not 0 < len(cohort) <= 40):
        raise ValueError(_l("A cohort is a name of at most 40 characters."))
    params = {k: v for k, v in item.items() if k not in ("id", "kind", "cohort")}
    _CHECKS[kind](params)
    return Criterion(criterion_id, kind, params, cohort or None)


def _only(params: dict, allowed: set[str]) -> None:
    extra = set(params) - allowed
    if extra:
        raise ValueError(_l("Unexpected fields: %(fields)s.", fields=", ".join(sorted(extra))))  # type: ignore[call-arg]


def _number(params: dict, name: str, low: float, high: float, *, required: bool = False):
    value = params.get(name)
    if value is None:
        if required:
            raise ValueError(_l("%(name)s is required.", name=name))  # type: ignore[call-arg]
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(
            _l("%(name)s is a number from %(low)s to %(high)s.", name=name, low=low, high=high)  # type: ignore[call-arg]
        )
    return value


def _range(params: dict, low: int, high: int) -> None:
    _only(params, {"min", "max"})
    lowest, highest = _number(params, "min", low, high), _number(params, "max", low, high)
    if lowest is None and highest is None:
        raise ValueError(_l("Give a minimum, a maximum or both."))
    if lowest is not None and highest is not None and lowest > highest:
        raise ValueError(_l("The minimum is above the maximum."))


def _strings(params: dict, name: str, *, allowed=None) -> list[str]:
    values = params.get(name)
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValueError(_l("%(name)s is a non-empty list of words.", name=name))  # type: ignore[call-arg]
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ValueError(
                _l("Unknown %(name)s: %(values)s.", name=name, values=", ".join(unknown))
            )  # type: ignore[call-arg]
    return values


def _mode(params: dict, allowed: tuple[str, ...]) -> None:
    if params.get("mode") not in allowed:
        raise ValueError(_l("mode is one of %(modes)s.", modes=", ".join(allowed)))  # type: ignore[call-arg]


def _check_tumour_site(params: dict) -> None:
    _only(params, {"codes"})
    _strings(params, "codes", allowed=vocabulary.tumour_types())


def _check_histology(params: dict) -> None:
    _only(params, {"terms"})
    _strings(params, "terms")


def _check_stage(params: dict) -> None:
    _only(params, {"allowed"})
    _strings(params, "allowed", allowed=STAGES)


def _check_biomarker(params: dict) -> None:
    _only(params, {"gene", "alteration", "mode", "min_percent"})
    gene = vocabulary.biomarker(params.get("gene"))
    if gene is None:
        raise ValueError(_l("Unknown gene %(gene)r.", gene=params.get("gene")))  # type: ignore[call-arg]
    params["gene"] = gene.gene  # the symbol, whatever synonym was written ("HER2": ERBB2)
    alteration = params.get("alteration")
    if alteration is not None and alteration not in gene.alterations:
        raise ValueError(
            _l(
                "Unknown alteration %(alteration)r of %(gene)s.",
                alteration=alteration,
                gene=gene.gene,
            )  # type: ignore[call-arg]
        )
    _mode(params, MODES["biomarker"])
    _number(params, "min_percent", 0, 100)


def _check_ecog(params: dict) -> None:
    _only(params, {"max"})
    _number(params, "max", 0, 4, required=True)


def _check_prior_therapy(params: dict) -> None:
    _only(params, {"drug_class", "mode"})
    if params.get("drug_class") not in vocabulary.drug_classes():
        raise ValueError(_l("Unknown drug class %(code)r.", code=params.get("drug_class")))  # type: ignore[call-arg]
    _mode(params, MODES["prior_therapy"])


def _check_flag(name: str):
    def check(params: dict) -> None:
        _only(params, {name})
        if not isinstance(params.get(name), bool):
            raise ValueError(_l("%(name)s is true or false.", name=name))  # type: ignore[call-arg]

    return check


def _check_brain(params: dict) -> None:
    _only(params, {"allowed", "required"})
    if not isinstance(params.get("allowed"), bool):
        raise ValueError(_l("allowed is true or false."))
    required = params.get("required", False)
    if not isinstance(required, bool) or (required and not params["allowed"]):
        raise ValueError(_l("required is true only when brain metastases are allowed."))


def _check_free_text(params: dict) -> None:
    _only(params, {"text_fr", "text_en", "mode", "may_change"})
    texts = [params.get("text_fr"), params.get("text_en")]
    if not any(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError(_l("Write the criterion in French or English."))
    if any(t is not None and (not isinstance(t, str) or len(t) > 500) for t in texts):
        raise ValueError(_l("A criterion's text is at most 500 characters."))
    if params.get("mode") not in FREE_TEXT_MODES:
        raise ValueError(_l("mode is inclusion or exclusion."))
    if "may_change" in params and not isinstance(params["may_change"], bool):
        raise ValueError(_l("may_change is true or false."))


_CHECKS = {
    "tumour_site": _check_tumour_site,
    "histology": _check_histology,
    "stage": _check_stage,
    "biomarker": _check_biomarker,
    "ecog_max": _check_ecog,
    "age": lambda params: _range(params, 0, 120),
    "prior_lines": lambda params: _range(params, 0, 20),
    "prior_therapy": _check_prior_therapy,
    "brain_metastases": _check_brain,
    "measurable_disease": _check_flag("required"),
    "free_text": _check_free_text,
}
