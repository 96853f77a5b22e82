"""The complete registry record of a study (issue 15, item 2), kept as
``Trial.registry_record``: what the registry says, shown on the trial page and
compared field by field when the registry changes.

Also read from it: whether the study is about cancer (MeSH ancestors under
"Neoplasms", words as a fallback), the tumour site (MeSH terms mapped to the
network's OncoTree list) and the biomarkers its keywords and eligibility name
(proposed to the curator, never applied silently).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from referral_app.eligibility import vocabulary
from referral_app.trials.ctgov_read import PROTOCOL, get, items, module

DATA = Path(__file__).parent / "data" / "mesh_tumour_sites.json"

# Words of the oncology vocabulary: the fallback when a record has no MeSH terms.
ONCOLOGY_WORDS = (
    "cancer",
    "carcinom",
    "tumor",
    "tumour",
    "neoplas",
    "lymphom",
    "leukem",
    "leukaem",
    "myelom",
    "sarcom",
    "melanom",
    "gliom",
    "glioblastom",
    "blastom",
    "mesotheliom",
    "oncolog",
    "metasta",
    "myelodysplas",
    "malignan",
)


@functools.cache
def _mesh_data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _dated(status: dict[str, Any], key: str) -> str:
    return get(get(status, key, "object", f"{PROTOCOL}.statusModule"), "date", "text", key)


def _terms(browse: dict[str, Any], key: str, path: str) -> list[str]:
    return [
        get(entry, "term", "text", f"{path}.{key}[{i}]").strip()
        for i, entry in enumerate(items(browse, key, "object", path))
    ]


def read_details(study: dict[str, Any]) -> dict[str, Any]:
    """Every field of the issue's list, type-checked (``StudyError`` names a bad one)."""
    ident = module(study, "identificationModule")
    status = module(study, "statusModule")
    sponsors = module(study, "sponsorCollaboratorsModule")
    eligibility = module(study, "eligibilityModule")
    design = module(study, "designModule")
    arms_module = module(study, "armsInterventionsModule")
    contacts = module(study, "contactsLocationsModule")
    path = PROTOCOL
    enrollment = get(design, "enrollmentInfo", "object", f"{path}.designModule")
    browse_path = "derivedSection.conditionBrowseModule"
    browse = get(get(study, "derivedSection", "object", ""), "conditionBrowseModule", "object", "")
    return {
        "official_title": get(ident, "officialTitle", "text", f"{path}.identificationModule"),
        "minimum_age": get(eligibility, "minimumAge", "text", f"{path}.eligibilityModule"),
        "maximum_age": get(eligibility, "maximumAge", "text", f"{path}.eligibilityModule"),
        "sex": get(eligibility, "sex", "text", f"{path}.eligibilityModule"),
        "healthy_volunteers": get(
            eligibility, "healthyVolunteers", "boolean", f"{path}.eligibilityModule"
        ),
        "eligibility_markdown": get(
            eligibility, "eligibilityCriteria", "text", f"{path}.eligibilityModule"
        ),
        "start_date": _dated(status, "startDateStruct"),
        "primary_completion_date": _dated(status, "primaryCompletionDateStruct"),
        "completion_date": _dated(status, "completionDateStruct"),
        "keywords": items(
            module(study, "conditionsModule"), "keywords", "text", f"{path}.conditionsModule"
        ),
        "collaborators": [
            get(c, "name", "text", f"{path}.sponsorCollaboratorsModule.collaborators[{i}]")
            for i, c in enumerate(items(sponsors, "collaborators", "object", path))
        ],
        "central_contacts": [
            {
                key: get(c, key, "text", f"{path}.contactsLocationsModule.centralContacts[{i}]")
                for key in ("name", "role", "phone", "email")
            }
            for i, c in enumerate(items(contacts, "centralContacts", "object", path))
        ],
        "enrollment": {
            "count": get(enrollment, "count", "number", f"{path}.designModule.enrollmentInfo"),
            "type": get(enrollment, "type", "text", f"{path}.designModule.enrollmentInfo"),
        },
        "arms": [
            {
                "label": get(arm, "label", "text", f"{path}.armGroups[{i}]"),
                "type": get(arm, "type", "text", f"{path}.armGroups[{i}]"),
                "description": get(arm, "description", "text", f"{path}.armGroups[{i}]"),
                "interventions": items(arm, "interventionNames", "text", f"{path}.armGroups[{i}]"),
            }
            for i, arm in enumerate(items(arms_module, "armGroups", "object", path))
        ],
        "interventions": [
            {
                "type": get(item, "type", "text", f"{path}.interventions[{i}]"),
                "name": get(item, "name", "text", f"{path}.interventions[{i}]"),
                "description": get(item, "description", "text", f"{path}.interventions[{i}]"),
            }
            for i, item in enumerate(items(arms_module, "interventions", "object", path))
        ],
        "mesh_terms": _terms(browse, "meshes", browse_path),
        "mesh_ancestors": _terms(browse, "ancestors", browse_path),
    }


def is_oncology(details: dict[str, Any], text: str) -> bool:
    """Under MeSH's "Neoplasms" when the record has MeSH terms; else by its words."""
    terms = [*details.get("mesh_terms", []), *details.get("mesh_ancestors", [])]
    if terms:
        neoplasms = set(_mesh_data()["neoplasms_terms"])
        mapped = _mesh_data()["terms"]
        return any(term in neoplasms or term in mapped for term in terms)
    lowered = text.lower()
    return any(word in lowered for word in ONCOLOGY_WORDS)


def tumour_type(details: dict[str, Any]) -> vocabulary.TumourType | None:
    """The most specific of the study's MeSH terms that maps to the network's list.

    The study's own terms come before their ancestors and, within each, an organ
    before a histology found at many sites: a record listing "Sarcoma" before
    "Endometrial Neoplasms" is an endometrial study (real record NCT06388018).
    """
    mapped = _mesh_data()["terms"]
    histology = set(_mesh_data()["histology_terms"])
    for terms in (details.get("mesh_terms", []), details.get("mesh_ancestors", [])):
        found = [term for term in terms if term in mapped]
        if found:
            best = min(found, key=lambda term: term in histology)  # stable: first organ
            return vocabulary.tumour_types()[mapped[best]]
    return None


# A gene symbol is read as written (upper case), so that "MET" or "RET" in a
# sentence is not the verb or a word; longer names and synonyms are matched in any case.
def _mentions(text: str, name: str) -> bool:
    flags = 0 if len(name) <= 4 else re.IGNORECASE
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, flags) is not None


def proposed_biomarkers(details: dict[str, Any]) -> list[str]:
    """Gene (and alteration) names the keywords or the eligibility text mention, in
    the vocabulary's words: "EGFR exon 19 deletion", "ALK fusion", "KRAS G12C"."""
    text = "\n".join([*details.get("keywords", []), details.get("eligibility_markdown", "")])
    text = text.replace("\\", "")
    found: list[str] = []
    for gene in vocabulary.biomarkers().values():
        if not any(_mentions(text, name) for name in (gene.gene, *gene.synonyms)):
            continue
        alterations = [
            alteration.label_en
            for alteration in gene.alterations.values()
            if any(
                len(name) > 3 and _mentions(text, name)
                for name in (alteration.code, *alteration.synonyms)
            )
        ]
        found += [f"{gene.gene} {label}" for label in alterations] or [gene.gene]
    return found
