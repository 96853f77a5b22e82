"""What the catalogue's full-text search reads for a trial: one normalised text.

Bilingual and accent-insensitive by construction: the trial's own words (title,
conditions, eligibility, biomarkers, tumour site) plus the French and English
names of the tumour types its criteria name (and their parents), the labels of
its biomarkers and drug classes, and its free-text criteria, all lowercased and
without accents (``vocabulary.normalise``). "poumon" then finds a lung trial
whose text is English, and "melanome" finds "mélanome". Written on every insert
and update of a trial (``models.trial``), read by ``models.fulltext``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from referral_app.eligibility import vocabulary

OWN_FIELDS = (
    "acronym",
    "nct_number",
    "title",
    "conditions",
    "eligibility_summary",
    "biomarkers",
    "tumour_site",
)


def search_terms(trial: Any) -> str:
    words = [getattr(trial, name, None) or "" for name in OWN_FIELDS]
    words += list(_tumour_words(getattr(trial, "tumour_site", "") or ""))
    for item in getattr(trial, "criteria", None) or []:
        words += _criterion_words(item)
    return vocabulary.normalise(" ".join(dict.fromkeys(w for w in words if w)))


def _both(thing: Any) -> list[str]:
    return [vocabulary.label(thing, "fr"), vocabulary.label(thing, "en")]


@lru_cache(maxsize=4096)
def _tumour_words(text: str) -> tuple[str, ...]:
    """The names of the types a free-text tumour site ("Lung (NSCLC)") reads as.

    Cached: a catalogue repeats a few dozen sites, and the search scans the tree.
    """
    found = vocabulary.find_tumour_types(text, limit=2) if text.strip() else []
    return tuple(word for kind in found for word in _both(kind))


def _types(code: str) -> Iterator[Any]:
    types = vocabulary.tumour_types()
    for each in (code, *vocabulary.ancestors(code)):
        if each in types:
            yield types[each]


def _criterion_words(item: dict) -> list[str]:
    kind = item.get("kind")
    if kind == "tumour_site":
        return [w for code in item.get("codes", []) for t in _types(code) for w in _both(t)]
    if kind == "biomarker":
        gene = vocabulary.biomarker(item.get("gene"))
        if gene is None:
            return []
        words = [gene.gene, *gene.synonyms, *_both(gene)]
        alteration = gene.alterations.get(item.get("alteration") or "")
        if alteration is not None:
            words += [*_both(alteration), *alteration.synonyms]
        return words
    if kind == "prior_therapy":
        drug = vocabulary.drug_classes().get(item.get("drug_class"))
        return _both(drug) if drug else []
    if kind == "free_text":
        return [item.get("text_fr") or "", item.get("text_en") or ""]
    return []
