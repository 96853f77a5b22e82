"""Each criterion against a patient's summary: met, not met or unknown, and why.

The one evaluation behind the checklist at submission, the receiving site's view,
the trial finder and the watchlist (DESIGN §9). Pure functions of the criteria
and the summary: no database, so the finder can run it over thousands of trials.

A verdict's explanation is made when it is shown (``explain``), in the language of
the moment, so the API can give it in French and in English
(``explanations``) and a page in its reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from referral_app.eligibility import vocabulary
from referral_app.eligibility.criteria import KIND_LABELS, Criterion
from referral_app.eligibility.summary import BiomarkerResult, PatientSummary

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
STATUSES = (MET, NOT_MET, UNKNOWN)
# An answer a person gives to a criterion the summary could not decide.
ANSWERS = (MET, NOT_MET)
# Codes of a gene that stand for "any alteration of this sort" in a criterion.
ANY_MUTATION = "MUTATION"
_NOT_MUTATIONS = {
    "FUSION",
    "AMPLIFICATION",
    "OVEREXPRESSION",
    "LOW",
    "ULTRALOW",
    "POSITIVE",
    "LOSS",
    "DELETION",
    "METHYLATED",
    "TPS",
    "CPS",
    "IC",
    "HIGH",
    "DEFICIENT",
    "MSI_H",
}
_ROMAN_GROUPS = ("I", "II", "III", "IV")


@dataclass(frozen=True, slots=True)
class Verdict:
    criterion: Criterion
    status: str
    patient: Any = None  # what the summary said, for the explanation
    answered: bool = False  # a person's answer, not the summary's

    @property
    def may_change(self) -> bool:
        return self.criterion.may_change

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.criterion.kind])


@dataclass(frozen=True)
class Fit:
    """A trial's verdicts for one patient: the common criteria and the best cohort's."""

    verdicts: tuple[Verdict, ...]
    cohort: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def met(self) -> int:
        return self.counts.get(MET, 0)

    @property
    def not_met(self) -> int:
        return self.counts.get(NOT_MET, 0)

    @property
    def unknown(self) -> int:
        return self.counts.get(UNKNOWN, 0)

    def failing(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == NOT_MET]


def evaluate(
    criteria: Sequence[Criterion],
    summary: PatientSummary,
    answers: dict[str, str] | None = None,
) -> Fit:
    """The trial's fit: per cohort, the common criteria plus the cohort's; the best one.

    ``answers`` are people's answers to criteria (``{id: "met"|"not_met"}``); they
    replace an "unknown" only, never what the summary decides.
    """
    verdicts = [check(c, summary) for c in criteria]
    if answers:
        verdicts = [_with_answer(v, answers) for v in verdicts]
    cohorts = sorted({c.cohort for c in criteria if c.cohort})
    if not cohorts:
        return _fit(verdicts, None)
    fits = [
        _fit([v for v in verdicts if v.criterion.cohort in (None, cohort)], cohort)
        for cohort in cohorts
    ]
    return min(fits, key=lambda f: (f.not_met, -f.met, f.unknown, f.cohort or ""))


def _fit(verdicts: list[Verdict], cohort: str | None) -> Fit:
    statuses = [v.status for v in verdicts]
    counts = {status: statuses.count(status) for status in STATUSES}
    return Fit(tuple(verdicts), cohort, counts)


def _with_answer(verdict: Verdict, answers: dict[str, str]) -> Verdict:
    answer = answers.get(verdict.criterion.id)
    if verdict.status == UNKNOWN and answer in ANSWERS:
        return Verdict(verdict.criterion, answer, verdict.patient, answered=True)
    return verdict


def check(criterion: Criterion, summary: PatientSummary) -> Verdict:
    status, patient = _CHECKS[criterion.kind](criterion.params, summary)
    return Verdict(criterion, status, patient)


# -- One check per kind: (status, what the patient has) ------------------------------------


@lru_cache(maxsize=4096)
def _tree_around(codes: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The codes under the listed ones (themselves included), and those above them.

    Cached by the list: the finder checks thousands of trials naming the same few.
    """
    below = frozenset().union(*(vocabulary.descendants(c) for c in codes))
    above = frozenset(a for c in codes for a in vocabulary.ancestors(c))
    return below, above


def _tumour_site(params, summary: PatientSummary):
    code = summary.tumour_code
    if code is None:
        return UNKNOWN, None
    below, above = _tree_around(tuple(params["codes"]))
    if code in below:
        return MET, code
    # The patient's type is broader than every listed one ("NSCLC" for "LUAD"): more
    # detail decides, not this summary.
    if code in above:
        return UNKNOWN, code
    return NOT_MET, code


def _histology(params, summary: PatientSummary):
    if not summary.histology.strip():
        return UNKNOWN, None
    text = vocabulary.normalise(summary.histology)
    found = any(vocabulary.normalise(term) in text for term in params["terms"])
    return (MET if found else NOT_MET), summary.histology


def stage_admits(allowed: Iterable[str], stage: str) -> str:
    """MET when a listed group covers ``stage`` ("III" covers "IIIB"), UNKNOWN when the
    stage is a group that one of them only partly covers ("III" for "IIIB"), else NOT_MET."""
    for group in allowed:
        if stage == group or (group in _ROMAN_GROUPS and _substage_of(stage, group)):
            return MET
    if stage in _ROMAN_GROUPS and any(_substage_of(group, stage) for group in allowed):
        return UNKNOWN
    return NOT_MET


def _substage_of(stage: str, group: str) -> bool:
    return stage.startswith(group) and stage[len(group) :] in ("A", "B", "C")


def _stage(params, summary: PatientSummary):
    if summary.stage is None:
        return UNKNOWN, None
    return stage_admits(params["allowed"], summary.stage), summary.stage


def _covers(wanted: str | None, found: str | None) -> bool:
    """Does a criterion's alteration (``wanted``) include the patient's (``found``)?"""
    if wanted is None or wanted == found:
        return True
    if found is None:
        return False
    if wanted == ANY_MUTATION:
        return found not in _NOT_MUTATIONS
    return found.startswith(wanted) and wanted.startswith("V600")  # V600 covers V600E


def _biomarker(params, summary: PatientSummary):
    gene, wanted = params["gene"], params.get("alteration")  # the symbol (``parse``)
    results = [b for b in summary.biomarkers if b.gene == gene]
    positive = [b for b in results if b.status == "positive" and _covers(wanted, b.alteration)]
    # A negative test of the whole gene, or of this very alteration, rules it out.
    negative = [
        b
        for b in results
        if b.status == "negative" and (b.alteration is None or b.alteration == wanted)
    ]
    present = _present(positive, params.get("min_percent"))
    if params["mode"] == "required":
        if present is not None:
            return present, positive[0]
        return (NOT_MET if negative else UNKNOWN), (negative[0] if negative else None)
    if present == MET:
        return NOT_MET, positive[0]
    if present == UNKNOWN:
        return UNKNOWN, positive[0]
    return (MET if negative else UNKNOWN), (negative[0] if negative else None)


def _present(positive: list[BiomarkerResult], min_percent) -> str | None:
    """MET if a positive result meets the threshold, NOT_MET below it, UNKNOWN without a
    value; None when there is no positive result at all."""
    if not positive:
        return None
    if min_percent is None:
        return MET
    values = [b.percent for b in positive if b.percent is not None]
    if not values:
        return UNKNOWN
    return MET if max(values) >= min_percent else NOT_MET


def _in_range(params, value):
    if value is None:
        return UNKNOWN, None
    low, high = params.get("min"), params.get("max")
    ok = (low is None or value >= low) and (high is None or value <= high)
    return (MET if ok else NOT_MET), value


def _ecog(params, summary: PatientSummary):
    if summary.ecog is None:
        return UNKNOWN, None
    return (MET if summary.ecog <= params["max"] else NOT_MET), summary.ecog


def _prior_therapy(params, summary: PatientSummary):
    if summary.prior_therapies is None:
        return UNKNOWN, None
    had = params["drug_class"] in summary.prior_therapies
    wanted = params["mode"] == "required"
    return (MET if had == wanted else NOT_MET), had


def _brain_metastases(params, summary: PatientSummary):
    value = summary.brain_metastases
    if value is None:
        return UNKNOWN, None
    if params.get("required"):
        return (MET if value else NOT_MET), value
    return (MET if params["allowed"] or not value else NOT_MET), value


def _measurable(params, summary: PatientSummary):
    value = summary.measurable_disease
    if value is None:
        return UNKNOWN, None
    return (MET if value or not params["required"] else NOT_MET), value


_CHECKS = {
    "tumour_site": _tumour_site,
    "histology": _histology,
    "stage": _stage,
    "biomarker": _biomarker,
    "ecog_max": _ecog,
    "age": lambda params, s: _in_range(params, s.age),
    "prior_lines": lambda params, s: _in_range(params, s.prior_lines),
    "prior_therapy": _prior_therapy,
    "brain_metastases": _brain_metastases,
    "measurable_disease": _measurable,
    "free_text": lambda params, s: (UNKNOWN, None),
}


# -- Explanations ----------------------------------------------------------------------------


def explain(verdict: Verdict) -> str:
    """The criterion and what the summary says of it, in the current language."""
    rule = describe(verdict.criterion)
    if verdict.answered:
        if verdict.status == MET:
            said = _("met, says the referring site")
        else:
            said = _("not met, says the referring site")
        return f"{rule} — {said}"
    patient = _patient_text(verdict)
    return f"{rule} — {patient}"


def explanations(verdict: Verdict) -> dict[str, str]:
    """``{"fr": …, "en": …}`` (the API's bilingual explanation)."""
    out = {}
    for language in ("fr", "en"):
        with force_locale(language):
            out[language] = explain(verdict)
    return out


def describe(criterion: Criterion) -> str:
    """The rule alone, e.g. "ECOG at most 1" or "EGFR exon 19 deletion required"."""
    p = criterion.params
    kind = criterion.kind
    if kind == "tumour_site":
        names = ", ".join(_tumour_name(c) for c in p["codes"])
        return _("Tumour type: %(names)s", names=names)
    if kind == "histology":
        return _("Histology: %(terms)s", terms=", ".join(p["terms"]))
    if kind == "stage":
        return _("Stage: %(stages)s", stages=", ".join(p["allowed"]))
    if kind == "biomarker":
        marker = biomarker_name(p["gene"], p.get("alteration"))
        if p.get("min_percent") is not None:
            marker = f"{marker} ≥ {p['min_percent']:g} %"
        if p["mode"] == "required":
            return _("%(marker)s required", marker=marker)
        return _("%(marker)s excluded", marker=marker)
    if kind == "ecog_max":
        return _("ECOG at most %(max)d", max=p["max"])
    if kind in ("age", "prior_lines"):
        return _range_text(kind, p.get("min"), p.get("max"))
    if kind == "prior_therapy":
        drug = vocabulary.label(vocabulary.drug_classes()[p["drug_class"]])
        if p["mode"] == "required":
            return _("Prior %(drug)s required", drug=drug)
        return _("No prior %(drug)s", drug=drug)
    if kind == "brain_metastases":
        if p.get("required"):
            return _("Brain metastases required")
        return _("Brain metastases allowed") if p["allowed"] else _("No brain metastases")
    if kind == "measurable_disease":
        return _("Measurable disease required")
    return free_text(criterion)


def free_text(criterion: Criterion) -> str:
    p = criterion.params
    french = (p.get("text_fr") or "").strip()
    english = (p.get("text_en") or "").strip()
    english_reader = vocabulary.current_language().startswith("en")
    text = (english or french) if english_reader else (french or english)
    if p["mode"] == "exclusion":
        return _("Exclusion: %(text)s", text=text)
    return _("Inclusion: %(text)s", text=text)


def _range_text(kind: str, low, high) -> str:
    what = _("Age") if kind == "age" else _("Prior lines")
    if low is not None and high is not None:
        return _("%(what)s from %(low)s to %(high)s", what=what, low=low, high=high)
    if low is not None:
        return _("%(what)s at least %(low)s", what=what, low=low)
    return _("%(what)s at most %(high)s", what=what, high=high)


def _patient_text(verdict: Verdict) -> str:
    kind, value = verdict.criterion.kind, verdict.patient
    if kind == "free_text":
        return _("to be checked by a person")
    if verdict.status == UNKNOWN and value is None:
        return _("not in the summary")
    if kind == "tumour_site":
        return _("the patient's: %(value)s", value=_tumour_name(value))
    if kind == "biomarker":
        if value is None:
            return _("not in the summary")
        name = biomarker_name(value.gene, value.alteration)
        if value.percent is not None:
            name = f"{name} {value.percent:g} %"
        status = _("positive") if value.status == "positive" else _("negative")
        return _("the patient's: %(marker)s (%(status)s)", marker=name, status=status)
    if kind == "prior_therapy":
        return _("received") if value else _("not received")
    if kind in ("brain_metastases", "measurable_disease"):
        return _("the patient's: yes") if value else _("the patient's: no")
    if verdict.status == UNKNOWN:
        return _("the patient's: %(value)s (more detail needed)", value=value)
    return _("the patient's: %(value)s", value=value)


def biomarker_name(gene_symbol: str, alteration: str | None) -> str:
    gene = vocabulary.biomarker(gene_symbol)
    if gene is None:
        return gene_symbol
    if alteration is None or alteration not in gene.alterations:
        return gene.gene
    return f"{gene.gene} {vocabulary.label(gene.alterations[alteration])}"


def _tumour_name(code: str) -> str:
    found = vocabulary.tumour_types().get(code)
    return f"{vocabulary.label(found)} ({code})" if found else code


def readable_summary(summary: PatientSummary) -> dict[str, Any]:
    """The summary's structured fields as a page shows them, in the current language."""

    def yes_no(value: bool | None) -> str:
        return "—" if value is None else (_("Yes") if value else _("No"))

    markers = []
    for result in summary.biomarkers:
        name = biomarker_name(result.gene, result.alteration)
        if result.percent is not None:
            name = f"{name} {result.percent:g} %"
        status = _("positive") if result.status == "positive" else _("negative")
        markers.append(f"{name} ({status})")
    classes = vocabulary.drug_classes()
    if summary.prior_therapies is None:
        therapies = "—"
    elif not summary.prior_therapies:
        therapies = _("None")
    else:
        therapies = ", ".join(
            vocabulary.label(classes[c]) if c in classes else c for c in summary.prior_therapies
        )
    return {
        "tumour": _tumour_name(summary.tumour_code) if summary.tumour_code else None,
        "biomarkers": markers,
        "therapies": therapies,
        "brain": yes_no(summary.brain_metastases),
        "measurable": yes_no(summary.measurable_disease),
    }
