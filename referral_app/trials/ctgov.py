"""Import trials from a ClinicalTrials.gov API v2 export (``{"studies": [...]}``).

For each study: identification, acronym, phase, overall status (mapped to ours),
conditions, a brief eligibility text, the lead sponsor, and its Quebec locations
matched to our centres as sites (by facility name, an alias table, or a city with
a single centre). Re-importing a study that awaits review updates it instead of
duplicating it; for a published one, the registry's new version is held for review
with its field-by-field changes (``registry_changes``), never applied straight to
the catalogue. Local curation (community once set, tumour site, biomarkers, niche
flag) is never overwritten.

Everything goes through ``trials.services``, so the niche rule and the trial news
apply as they do in the web interface; a second recruiting site of a niche trial
in a region is imported as ``upcoming`` with a warning. The caller commits.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from referral_app import audit
from referral_app.extensions import db
from referral_app.labels import label
from referral_app.models import (
    Centre,
    Community,
    FacilityAlias,
    Phase,
    SiteStatus,
    Trial,
    TrialStatus,
)
from referral_app.timeutil import utcnow
from referral_app.trials import ctgov_details, registry_changes, services
from referral_app.trials.ctgov_read import PROTOCOL, StudyError
from referral_app.trials.ctgov_read import get as _get
from referral_app.trials.ctgov_read import items as _items
from referral_app.trials.ctgov_read import module as _module
from referral_app.validators import NCT_PATTERN

# A registry's eligibility is kept whole (issue 15: 4,222 characters were cut to 1,196);
# this bound only stops a runaway record.
ELIGIBILITY_MAX_CHARS = 20_000

OVERALL_STATUS: dict[str, TrialStatus] = {
    "NOT_YET_RECRUITING": TrialStatus.UPCOMING,
    "RECRUITING": TrialStatus.RECRUITING,
    "ENROLLING_BY_INVITATION": TrialStatus.CLOSED,  # not open to referrals
    "ACTIVE_NOT_RECRUITING": TrialStatus.CLOSED,
    "SUSPENDED": TrialStatus.SUSPENDED,
    "TEMPORARILY_NOT_AVAILABLE": TrialStatus.SUSPENDED,
    "COMPLETED": TrialStatus.CLOSED,
    "TERMINATED": TrialStatus.CLOSED,
    "WITHDRAWN": TrialStatus.CLOSED,
    "NO_LONGER_AVAILABLE": TrialStatus.CLOSED,
}

# The registry's statuses in words (study and location statuses share them).
REGISTRY_STATUS_LABELS: dict[str, Any] = {
    "NOT_YET_RECRUITING": _l("Not yet recruiting"),
    "RECRUITING": _l("Recruiting"),
    "ENROLLING_BY_INVITATION": _l("Enrolling by invitation (not open to referrals)"),
    "ACTIVE_NOT_RECRUITING": _l("Active, not recruiting"),
    "SUSPENDED": _l("Suspended"),
    "TEMPORARILY_NOT_AVAILABLE": _l("Temporarily not available"),
    "COMPLETED": _l("Completed"),
    "TERMINATED": _l("Terminated"),
    "WITHDRAWN": _l("Withdrawn"),
    "NO_LONGER_AVAILABLE": _l("No longer available"),
}


def registry_status_label(raw: str | None) -> str:
    """The registry's status in the reader's language (the code itself when unknown)."""
    if not raw:
        return "—"
    return str(REGISTRY_STATUS_LABELS.get(raw.upper(), raw))


LOCATION_STATUS: dict[str, SiteStatus] = {
    "NOT_YET_RECRUITING": SiteStatus.UPCOMING,
    "RECRUITING": SiteStatus.RECRUITING,
    "ENROLLING_BY_INVITATION": SiteStatus.CLOSED,
    "ACTIVE_NOT_RECRUITING": SiteStatus.CLOSED,
    "SUSPENDED": SiteStatus.CLOSED,
    "TEMPORARILY_NOT_AVAILABLE": SiteStatus.CLOSED,
    "COMPLETED": SiteStatus.CLOSED,
    "TERMINATED": SiteStatus.CLOSED,
    "WITHDRAWN": SiteStatus.CLOSED,
}

# Facility names as sponsors write them, normalised (see ``normalise``), to a
# centre short name. Checked as substrings of the normalised facility name.
FACILITY_ALIASES: dict[str, str] = {
    "centre hospitalier de l universite de montreal": "CHUM",
    "chum": "CHUM",
    "university of montreal hospital": "CHUM",
    "sainte justine": "CHUSJ",
    "ste justine": "CHUSJ",
    "montreal children": "MCH",
    "hopital de montreal pour enfants": "MCH",
    "jewish general": "JGH",
    "sir mortimer b davis": "JGH",
    "hopital general juif": "JGH",
    "segal cancer": "JGH",
    "mcgill university health cent": "CUSM",
    "muhc": "CUSM",
    "cusm": "CUSM",
    "royal victoria": "CUSM",
    "glen site": "CUSM",
    "maisonneuve rosemont": "HMR",
    "sacre coeur": "HSCM",
    "chu de quebec": "CHU de Quebec",
    "hotel dieu de quebec": "CHU de Quebec",
    "chul": "CHU de Quebec",
    "cardiologie et de pneumologie de quebec": "IUCPQ",
    "iucpq": "IUCPQ",
    "hopital laval": "IUCPQ",
    "chus": "CHUS",
    "fleurimont": "CHUS",
    "centre hospitalier universitaire de sherbrooke": "CHUS",
    "charles le moyne": "HCLM",
    "charles lemoyne": "HCLM",
    "pierre boucher": "HPB",
    "cite de la sante": "CSL",
    "trois rivieres": "CHAUR",
    "chicoutimi": "Chicoutimi",
    "hopital de gatineau": "Gatineau",
    "hotel dieu de levis": "HDL",
    "regional de rimouski": "Rimouski",
    "pierre le gardeur": "HPLG",
    "saint jerome": "St-Jerome",
    "rouyn noranda": "Rouyn",
    "sept iles": "Sept-Iles",
}

QUEBEC_NAMES = {"quebec", "qc", "province of quebec"}
# Canada Post's first letters for Quebec (Eastern Quebec, Montreal, Western Quebec).
QUEBEC_POSTAL_LETTERS = frozenset("GHJ")
CANADIAN_POSTAL_CODE = re.compile(r"[A-Z][0-9][A-Z][0-9][A-Z][0-9]")
# Cities of the network's centres and their neighbours, normalised: for Canadian
# records whose province and postal code are both missing.
QUEBEC_CITIES = frozenset(
    {
        "montreal",
        "quebec",
        "quebec city",
        "laval",
        "longueuil",
        "greenfield park",
        "sherbrooke",
        "fleurimont",
        "gatineau",
        "trois rivieres",
        "saguenay",
        "chicoutimi",
        "levis",
        "rimouski",
        "saint jerome",
        "terrebonne",
        "rouyn noranda",
        "sept iles",
        "boucherville",
        "drummondville",
        "granby",
        "saint hyacinthe",
        "joliette",
        "alma",
        "baie comeau",
        "gaspe",
        "val d or",
    }
)


def normalise(text: str | None) -> str:
    """Lower case, no accents, punctuation as spaces: ``Hôtel-Dieu`` → ``hotel dieu``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


class ImportFileError(ValueError):
    """The file is not a ClinicalTrials.gov studies export."""


@dataclass
class BadStudy:
    """A study left out: its NCT number, or its position when it has none."""

    nct_number: str | None
    position: int
    error: StudyError

    def message(self) -> str:
        study = self.nct_number or _("study #%(n)d", n=self.position)
        return _("%(study)s: %(problem)s", study=study, problem=self.error.describe())


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sites_added: int = 0
    sites_updated: int = 0
    held: int = 0  # published trials whose registry change awaits review
    bad_studies: list[BadStudy] = field(default_factory=list)  # studies we could not read
    unmatched: list[str] = field(default_factory=list)  # Quebec locations with no centre
    # The same, as (facility, city) once each: what an admin maps to a centre.
    unmatched_facilities: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trial_ids: list[int] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return [bad.message() for bad in self.bad_studies]

    def counts(self) -> list[str]:
        """The figures in words, in the current language, each with its plural."""
        return [
            ngettext("%(num)d trial created", "%(num)d trials created", self.created),
            ngettext("%(num)d trial updated", "%(num)d trials updated", self.updated),
            ngettext("%(num)d trial unchanged", "%(num)d trials unchanged", self.unchanged),
            ngettext("%(num)d site added", "%(num)d sites added", self.sites_added),
            ngettext("%(num)d site updated", "%(num)d sites updated", self.sites_updated),
            ngettext(
                "%(num)d change awaiting review", "%(num)d changes awaiting review", self.held
            ),
        ]

    def summary_lines(self) -> list[str]:
        """The command line's report (the web page shows the same ``counts``)."""
        lines = ["; ".join(self.counts())]
        lines.append(
            ngettext(
                "%(num)d Quebec location not matched to a centre",
                "%(num)d Quebec locations not matched to a centre",
                len(self.unmatched),
            )
        )
        lines += [f"  - {item}" for item in self.unmatched]
        if self.bad_studies:
            lines.append(
                ngettext(
                    "%(num)d study left out", "%(num)d studies left out", len(self.bad_studies)
                )
            )
        if self.warnings:
            lines.append(ngettext("%(num)d warning", "%(num)d warnings", len(self.warnings)))
            lines += [f"  - {item}" for item in self.warnings]
        return lines


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


def load_studies(source: str | Path | bytes | dict) -> list[dict[str, Any]]:
    """The ``studies`` list of an export (a path, raw bytes, or parsed JSON)."""
    if isinstance(source, dict):
        data = source
    else:
        try:
            raw = source if isinstance(source, bytes) else Path(source).read_bytes()
            data = json.loads(raw)
        except (OSError, ValueError, RecursionError) as error:
            # ValueError: invalid JSON, UTF-8 or a 5,000-digit number; RecursionError:
            # arrays nested too deep for the decoder.
            raise ImportFileError(f"Cannot read the file as JSON: {error}") from None
    if isinstance(data, list):  # an array of studies
        studies = data
    elif isinstance(data, dict) and "protocolSection" in data:  # one study
        studies = [data]
    elif isinstance(data, dict) and isinstance(data.get("studies"), list):
        studies = data["studies"]
    else:
        raise ImportFileError('Expected a ClinicalTrials.gov export: {"studies": [...]}.')
    return studies  # a study that is not an object is reported by its position


def nct_of(study: Any) -> str | None:
    """The study's NCT number when it can be read, to name it in the report."""
    try:
        nct = study[PROTOCOL]["identificationModule"]["nctId"]
    except (TypeError, KeyError, IndexError):
        return None
    if isinstance(nct, str) and NCT_PATTERN.match(nct.strip().upper()):
        return nct.strip().upper()
    return None


def map_phase(phases: list[str] | None) -> Phase:
    values = {str(p).upper() for p in phases or []}
    if {"PHASE1", "PHASE2"} <= values or "PHASE1_PHASE2" in values:
        return Phase.PHASE1_2
    if {"PHASE2", "PHASE3"} <= values or "PHASE2_PHASE3" in values:
        return Phase.PHASE2_3
    for code, phase in (
        ("PHASE3", Phase.PHASE3),
        ("PHASE2", Phase.PHASE2),
        ("PHASE1", Phase.PHASE1),
        ("EARLY_PHASE1", Phase.PHASE1),
        ("PHASE4", Phase.PHASE4),
    ):
        if code in values:
            return phase
    return Phase.NA


# ClinicalTrials.gov writes eligibility in Markdown: ``\>`` is a ">" that is not a quote.
MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>=~|^])")


def brief_eligibility(text: str | None, limit: int = ELIGIBILITY_MAX_CHARS) -> str:
    """Non-empty lines, whitespace collapsed, Markdown's backslash escapes undone, cut
    at a line end before ``limit`` (20,000 characters: in practice, never)."""
    lines = [
        " ".join(MARKDOWN_ESCAPE.sub(r"\1", line).split()) for line in (text or "").splitlines()
    ]
    lines = [line for line in lines if line]
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            if not kept:
                kept.append(line[: limit - 1].rstrip() + "…")
            else:
                kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


# Headings as ``normalise`` leaves them ("Inclusion Criteria:", "**Critères d'exclusion**").
_HEADINGS = {
    "inclusion": "inclusion",
    "inclusion criteria": "inclusion",
    "criteres d inclusion": "inclusion",
    "exclusion": "exclusion",
    "exclusion criteria": "exclusion",
    "criteres d exclusion": "exclusion",
}
_BULLET = re.compile(r"^\s*(?:[*\-•]|\d+[.)])\s+")


def eligibility_sections(text: str | None) -> dict[str, list[str]]:
    """A registry's eligibility as items: ``inclusion``, ``exclusion``, and ``other``
    (lines before any heading). Headings are "Inclusion Criteria", "Exclusion
    Criteria" (or their French), with or without Markdown; bullets and numbers go."""
    sections: dict[str, list[str]] = {"inclusion": [], "exclusion": [], "other": []}
    current = "other"
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        heading = _HEADINGS.get(normalise(line))
        if heading:
            current = heading
            continue
        item = _BULLET.sub("", line).strip()
        if item:
            sections[current].append(item)
    return sections


@dataclass
class StudyRecord:
    nct_number: str
    title: str
    acronym: str | None
    sponsor: str
    phase: Phase
    status: TrialStatus | None
    raw_status: str
    conditions: list[str]
    eligibility: str
    locations: list[dict[str, Any]]
    details: dict[str, Any] = field(default_factory=dict)  # ``ctgov_details.read_details``

    @property
    def tumour_site(self) -> str:
        """From the MeSH terms when they map to the network's list, else the first condition."""
        found = ctgov_details.tumour_type(self.details)
        return (found.name_en if found else (self.conditions[0] if self.conditions else ""))[:120]


def parse_study(study: Any) -> StudyRecord:
    """The fields we import, each checked for its type; StudyError names a bad one."""
    if not isinstance(study, dict):
        raise StudyError("", expected="object", found=study)
    ident_path = f"{PROTOCOL}.identificationModule"
    ident = _module(study, "identificationModule")
    nct = _get(ident, "nctId", "text", ident_path).strip().upper()
    if not NCT_PATTERN.match(nct):
        raise StudyError(f"{ident_path}.nctId", problem="nct", value=nct or "")
    title = (
        _get(ident, "briefTitle", "text", ident_path).strip()
        or _get(ident, "officialTitle", "text", ident_path).strip()
    )
    if not title:
        raise StudyError(f"{ident_path}.briefTitle", problem="title")
    acronym = _get(ident, "acronym", "text", ident_path)
    raw_status = _get(
        _module(study, "statusModule"), "overallStatus", "text", f"{PROTOCOL}.statusModule"
    ).upper()
    sponsors_path = f"{PROTOCOL}.sponsorCollaboratorsModule"
    lead = _get(
        _module(study, "sponsorCollaboratorsModule"), "leadSponsor", "object", sponsors_path
    )
    sponsor = _get(lead, "name", "text", f"{sponsors_path}.leadSponsor")
    conditions = _items(
        _module(study, "conditionsModule"), "conditions", "text", f"{PROTOCOL}.conditionsModule"
    )
    phases = _items(_module(study, "designModule"), "phases", "text", f"{PROTOCOL}.designModule")
    eligibility = _get(
        _module(study, "eligibilityModule"),
        "eligibilityCriteria",
        "text",
        f"{PROTOCOL}.eligibilityModule",
    )
    locations_path = f"{PROTOCOL}.contactsLocationsModule"
    locations = _items(
        _module(study, "contactsLocationsModule"), "locations", "object", locations_path
    )
    return StudyRecord(
        nct_number=nct,
        title=title[:500],
        acronym=acronym.strip()[:60] or None,
        sponsor=sponsor.strip()[:200],
        phase=map_phase(phases),
        status=OVERALL_STATUS.get(raw_status),
        raw_status=raw_status,
        conditions=[c.strip() for c in conditions if c.strip()],
        eligibility=brief_eligibility(eligibility),
        locations=[
            _location(loc, f"{locations_path}.locations[{i}]") for i, loc in enumerate(locations)
        ],
        details=ctgov_details.read_details(study),
    )


def _location(location: dict[str, Any], path: str) -> dict[str, Any]:
    """A location's fields we read, checked: facility, city, state, country, status."""
    read = {key: _get(location, key, "text", path) for key in LOCATION_KEYS}
    contacts = _items(location, "contacts", "object", path)
    read["contacts"] = [
        {key: _get(contact, key, "text", f"{path}.contacts[{i}]") for key in ("role", "name")}
        for i, contact in enumerate(contacts)
    ]
    return read


LOCATION_KEYS = ("facility", "city", "state", "zip", "country", "status")


# ---------------------------------------------------------------------------
# Matching locations to centres
# ---------------------------------------------------------------------------


def is_quebec(location: dict[str, Any]) -> bool:
    """In Quebec by its province, or, when a Canadian record leaves the province out,
    by a Quebec postal code (G, H or J first) or a Quebec city."""
    country = normalise(location.get("country"))
    if country and country != "canada":
        return False
    state = normalise(location.get("state"))
    if state:
        return state in QUEBEC_NAMES
    postal = normalise(location.get("zip")).replace(" ", "").upper()
    if CANADIAN_POSTAL_CODE.fullmatch(postal):
        return postal[0] in QUEBEC_POSTAL_LETTERS
    return normalise(location.get("city")) in QUEBEC_CITIES


class CentreMatcher:
    """Finds our centre for a facility: exact name, alias, then a city with one centre."""

    def __init__(self, centres: list[Centre], remembered: dict[str, int] | None = None):
        """``remembered``: the admins' aliases (normalised facility name -> centre id),
        matched whole before the built-in ones."""
        by_id = {c.id: c for c in centres}
        self.remembered = {
            alias: by_id[centre_id]
            for alias, centre_id in (remembered or {}).items()
            if centre_id in by_id
        }
        self.by_short = {normalise(c.short_name): c for c in centres}
        self.by_name = {normalise(c.name): c for c in centres}
        by_city: dict[str, list[Centre]] = {}
        for centre in centres:
            by_city.setdefault(normalise(centre.city), []).append(centre)
        self.by_city = by_city
        # Longest aliases first so that "chu de quebec" wins over "chu".
        self.aliases = sorted(
            ((alias, normalise(short)) for alias, short in FACILITY_ALIASES.items()),
            key=lambda pair: -len(pair[0]),
        )

    def match(self, facility: str | None, city: str | None) -> Centre | None:
        name = normalise(facility)
        if name in self.remembered:
            return self.remembered[name]
        if name in self.by_name:
            return self.by_name[name]
        if name in self.by_short:
            return self.by_short[name]
        padded = f" {name} "
        for alias, short in self.aliases:
            if f" {alias} " in padded and short in self.by_short:
                return self.by_short[short]
        for short, centre in self.by_short.items():
            if len(short) >= 3 and f" {short} " in padded:
                return centre
        candidates = self.by_city.get(normalise(city), [])
        return candidates[0] if len(candidates) == 1 else None


def remember_alias(facility: str, centre: Centre, actor_id: int | None) -> FacilityAlias:
    """Map a registry facility name to a centre for every later import; the caller commits."""
    alias = normalise(facility)[:200]
    if not alias:
        raise ValueError(_("A facility name is needed."))
    row = db.session.scalar(select(FacilityAlias).where(FacilityAlias.alias == alias))
    if row is None:
        row = FacilityAlias(alias=alias, centre=centre, created_by_id=actor_id)
        db.session.add(row)
    else:
        row.centre = centre
    db.session.flush()
    audit.record("map_facility", "centre", centre.id, user_id=actor_id, alias=alias)
    return row


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


def centre_matcher() -> CentreMatcher:
    """The active centres and the admins' remembered aliases."""
    return CentreMatcher(
        list(db.session.scalars(select(Centre).where(Centre.is_active.is_(True)))),
        dict(db.session.execute(select(FacilityAlias.alias, FacilityAlias.centre_id)).all()),
    )


def import_studies(
    source: str | Path | bytes | dict,
    *,
    community_slug: str | None = None,
    actor_id: int | None = None,
    apply_to_published: bool = False,
) -> ImportReport:
    """Create or update one trial per study; the caller commits.

    A study already published is not changed: what the registry now says is held
    for review (``Trial.pending_record``) unless ``apply_to_published`` (the
    reviewer's own decision, ``held_changes.apply_change``)."""
    community_id = _community_id(community_slug)
    studies = load_studies(source)
    matcher = centre_matcher()
    report = ImportReport()
    for position, study in enumerate(studies, start=1):
        try:
            record = parse_study(study)
        except StudyError as error:
            report.bad_studies.append(BadStudy(nct_of(study), position, error))
            continue
        trial = db.session.scalar(select(Trial).where(Trial.nct_number == record.nct_number))
        if trial is not None and trial.is_published and not apply_to_published:
            _hold_for_review(trial, study, record, matcher, report)
        else:
            _import_one(trial, record, community_id, matcher, report, actor_id)
    db.session.flush()
    return report


def _community_id(slug: str | None) -> int | None:
    if not slug:
        return None
    community_id = db.session.scalar(select(Community.id).where(Community.slug == slug))
    if community_id is None:
        known = ", ".join(db.session.scalars(select(Community.slug).order_by(Community.slug)))
        raise ImportFileError(f"Unknown community {slug!r}. Known communities: {known}.")
    return community_id


def _import_one(
    trial: Trial | None,
    record: StudyRecord,
    community_id: int | None,
    matcher: CentreMatcher,
    report: ImportReport,
    actor_id: int | None,
) -> None:
    if record.status is None:
        report.warnings.append(_unknown_status_warning(record, known_trial=trial is not None))
    if trial is None:
        trial = services.create_trial(
            _new_trial_data(record, community_id), actor_id=actor_id, published=False
        )
        report.created += 1
    else:
        data, warnings = _updated_data(trial, record, community_id)
        report.warnings += warnings
        if services.update_trial(trial, data, actor_id=actor_id):
            report.updated += 1
        else:
            report.unchanged += 1
    trial.registry_status = record.raw_status or None
    trial.registry_record = {**record.details, QUEBEC_LOCATIONS: _kept_locations(record)}
    report.trial_ids.append(trial.id)
    plans = quebec_locations(record.locations, record.status, matcher)
    _import_sites(trial, plans, report, actor_id)


# The record's Quebec locations, kept in ``registry_record``: what a reviewer maps
# when none matched a centre, and what ``match_kept_locations`` reads again.
QUEBEC_LOCATIONS = "quebec_locations"


def _kept_locations(record: StudyRecord) -> list[dict[str, Any]]:
    return [loc for loc in record.locations if is_quebec(loc)]  # ``_location``'s keys


def kept_location_plans(trial: Trial, matcher: CentreMatcher | None = None) -> list[LocationPlan]:
    locations = (trial.registry_record or {}).get(QUEBEC_LOCATIONS) or []
    return quebec_locations(locations, trial.status, matcher or centre_matcher())


def match_kept_locations(trial: Trial, actor_id: int | None) -> ImportReport:
    """After a facility is mapped: the study's kept Quebec locations matched again
    and the sites found added, without the file (a study awaiting review only: a
    published trial's sites change through a reviewed registry change)."""
    report = ImportReport()
    if not trial.is_published:
        _import_sites(trial, kept_location_plans(trial), report, actor_id)
        db.session.flush()
    return report


def _unknown_status_warning(record: StudyRecord, *, known_trial: bool) -> str:
    if known_trial:
        return _(
            "%(nct)s: the registry status %(status)s is not known; kept as it was.",
            nct=record.nct_number,
            status=record.raw_status or "—",
        )
    return _(
        "%(nct)s: the registry status %(status)s is not known; imported as upcoming.",
        nct=record.nct_number,
        status=record.raw_status or "—",
    )


def study_digest(study: dict[str, Any]) -> str:
    """Names one version of a registry record: what a reviewer saw is what is applied."""
    canonical = json.dumps(study, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hold_for_review(
    trial: Trial,
    study: dict[str, Any],
    record: StudyRecord,
    matcher: CentreMatcher,
    report: ImportReport,
) -> None:
    """Keep the registry's new version beside the published trial, unapplied."""
    _report_unmatched(
        quebec_locations(record.locations, record.status, matcher), trial.nct_number, report
    )
    report.trial_ids.append(trial.id)
    if not registry_diff(trial, record, matcher):
        report.unchanged += 1
        if trial.pending_digest is not None:  # the registry went back to what is published
            trial.pending_record = trial.pending_digest = trial.pending_since = None
        return
    report.held += 1
    digest = study_digest(study)
    if digest != trial.pending_digest:
        trial.pending_record, trial.pending_digest, trial.pending_since = study, digest, utcnow()


def registry_diff(
    trial: Trial, record: StudyRecord, matcher: CentreMatcher | None = None
) -> list[registry_changes.Change]:
    """What importing ``record`` would change on ``trial``, field by field."""
    data, _warnings = _updated_data(trial, record, trial.community_id)
    proposed = {**data.fields(), "status": data.status, "registry_status": record.raw_status}
    current = {name: getattr(trial, name) for name in registry_changes.TRIAL_FIELDS}
    current_sites = {site.centre_id: site.status for site in trial.sites}
    sites = [
        (plan.centre.short_name, current_sites.get(plan.centre.id), plan.status)
        for plan in quebec_locations(record.locations, record.status, matcher or centre_matcher())
        if plan.centre is not None
    ]
    return registry_changes.compare(
        current, proposed, trial.registry_record or {}, record.details, sites
    )


def _new_trial_data(record: StudyRecord, community_id: int | None) -> services.TrialData:
    return services.TrialData(
        nct_number=record.nct_number,
        title=record.title,
        acronym=record.acronym,
        sponsor=record.sponsor,
        phase=record.phase,
        community_id=community_id,
        tumour_site=record.tumour_site,
        conditions="\n".join(record.conditions),
        eligibility_summary=record.eligibility,
        status=record.status or TrialStatus.UPCOMING,
        source="ctgov",
    )


def _updated_data(
    trial: Trial, record: StudyRecord, community_id: int | None
) -> tuple[services.TrialData, list[str]]:
    """The trial as the registry now describes it, local curation kept; and why a
    registry status could not be followed."""
    warnings = []
    status = record.status or trial.status
    if status != trial.status and status not in services.TRIAL_TRANSITIONS[trial.status]:
        warnings.append(
            _(
                "%(nct)s: the registry says %(registry)s, but a trial that is %(now)s "
                "cannot become %(new)s; its status is kept.",
                nct=trial.nct_number,
                registry=registry_status_label(record.raw_status),
                now=label("trial_status", trial.status),
                new=label("trial_status", status),
            )
        )
        status = trial.status
    data = services.TrialData(
        nct_number=trial.nct_number,
        title=record.title,
        acronym=record.acronym or trial.acronym,
        sponsor=record.sponsor or trial.sponsor,
        phase=record.phase,
        community_id=trial.community_id or community_id,
        tumour_site=trial.tumour_site,
        conditions="\n".join(record.conditions) or trial.conditions,
        eligibility_summary=record.eligibility or trial.eligibility_summary,
        biomarkers=trial.biomarkers,
        is_niche=trial.is_niche,
        status=status,
    )
    return data, warnings


@dataclass
class LocationPlan:
    """A Quebec location of a record and what the import makes of it."""

    facility: str
    city: str
    centre: Centre | None  # None: no centre matched (listed for mapping)
    status: SiteStatus
    raw_status: str
    location: dict[str, Any]


def quebec_locations(
    locations: list[dict[str, Any]], study_status: TrialStatus | None, matcher: CentreMatcher
) -> list[LocationPlan]:
    """The Quebec locations, one per centre (two pavilions of one centre are one
    site), and the unmatched ones."""
    default_status = _default_site_status(study_status)
    plans: list[LocationPlan] = []
    seen: set[int] = set()
    for location in locations:
        if not is_quebec(location):
            continue
        facility = location.get("facility") or ""
        city = location.get("city") or ""
        centre = matcher.match(facility, city)
        if centre is not None:
            if centre.id in seen:
                continue
            seen.add(centre.id)
        raw = str(location.get("status") or "").upper()
        status = LOCATION_STATUS.get(raw, default_status)
        plans.append(LocationPlan(facility, city, centre, status, raw, location))
    return plans


def _report_unmatched(plans: list[LocationPlan], nct: str, report: ImportReport) -> None:
    for plan in plans:
        if plan.centre is None:
            report.unmatched.append(f"{nct}: {plan.facility or '?'} ({plan.city or '?'})")
            pair = (plan.facility, plan.city)
            if plan.facility and pair not in report.unmatched_facilities:
                report.unmatched_facilities.append(pair)


def _import_sites(
    trial: Trial,
    plans: list[LocationPlan],
    report: ImportReport,
    actor_id: int | None,
) -> None:
    _report_unmatched(plans, trial.nct_number, report)
    for plan in plans:
        if plan.centre is None:
            continue
        _import_site(trial, plan.centre, plan.status, plan.location, report, actor_id)
        site = next(s for s in trial.sites if s.centre_id == plan.centre.id)
        site.registry_status = plan.raw_status or None


def _default_site_status(status: TrialStatus | None) -> SiteStatus:
    if status == TrialStatus.RECRUITING:
        return SiteStatus.RECRUITING
    if status in (TrialStatus.CLOSED, TrialStatus.SUSPENDED):
        return SiteStatus.CLOSED
    return SiteStatus.UPCOMING


def _investigator(location: dict[str, Any]) -> str:
    for contact in location.get("contacts") or []:
        if isinstance(contact, dict) and "INVESTIGATOR" in str(contact.get("role", "")).upper():
            return str(contact.get("name") or "")[:160]
    return ""


def _import_site(
    trial: Trial,
    centre: Centre,
    status: SiteStatus,
    location: dict[str, Any],
    report: ImportReport,
    actor_id: int | None,
) -> None:
    site = next((s for s in trial.sites if s.centre_id == centre.id), None)
    if status == SiteStatus.RECRUITING:
        holder = services.niche_holder(
            trial, centre.region_id, exclude_site_id=site.id if site else None
        )
        if holder is not None:
            report.warnings.append(
                _(
                    "%(nct)s: %(centre)s kept as upcoming: this niche trial already "
                    "recruits at %(holder)s in %(region)s.",
                    nct=trial.nct_number,
                    centre=centre.short_name,
                    holder=holder.centre.short_name,
                    region=centre.region.name,
                )
            )
            status = SiteStatus.UPCOMING if site is None else site.status
    if site is None:
        data = services.SiteData(status=status, investigator_name=_investigator(location))
        services.add_site(trial, centre, data, actor_id=actor_id)
        report.sites_added += 1
        return
    if status == site.status:
        return
    if status not in services.SITE_TRANSITIONS[site.status]:
        report.warnings.append(
            _(
                "%(nct)s: %(centre)s is %(now)s; the registry's %(new)s was not applied.",
                nct=trial.nct_number,
                centre=centre.short_name,
                now=label("site_status", site.status),
                new=label("site_status", status),
            )
        )
        return
    services.set_site_status(site, status, actor_id=actor_id)
    report.sites_updated += 1
