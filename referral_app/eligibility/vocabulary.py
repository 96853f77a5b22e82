"""The controlled vocabulary of structured eligibility: tumour types, biomarkers, drug classes.

Three JSON files in ``data/``, each read once (``functools.cache``) and without a Flask
app; the objects returned are shared, so treat them as read-only:

``oncotree.json``
    The OncoTree tumour types of MSK/cBioPortal, release ``oncotree_2026_05_21``, taken
    from ``trees/tsv/oncotree_2026_05_21.txt`` of the public repository
    ``cBioPortal/oncotree`` (the file's ``source``, ``license_note`` and
    ``upstream_corrections`` say exactly what and how; OncoTree is CC BY 4.0). The
    French names (``name_fr``) are this project's translation.

    Convention: upstream's ``TISSUE`` root is left out. The tissue-level nodes (``LUNG``,
    ``BREAST``, ``HEMATOPOIETIC``…) have ``parent`` null and also carry ``tissue_fr``; a
    node's ``tissue`` is the English name of its tissue-level ancestor (``"Lung"``). The
    French name of a tissue is therefore the ``name_fr`` of its node: ``label()`` of an
    item of ``tissues()``. In this release the blood cancers sit under one tissue,
    ``Hematopoietic``, with ``MYELOID`` and ``LYMPH`` as its children.

``biomarkers.json``
    Genes and markers, each with alteration codes (UPPERCASE, e.g. ``EX19DEL``;
    ``MUTATION`` is any pathogenic variant of the gene). ``kind`` is ``mutation`` (a
    DNA-level alteration: variant, fusion, copy number), ``expression`` (IHC or imaging,
    possibly with a percentage), ``signature``, ``methylation`` or ``virus``.

``drug_classes.json``
    Classes for prior-therapy criteria (lowercase snake_case codes), with examples.

``label()`` gives an object's French or English name; ``find_tumour_types()`` is the
accent- and case-insensitive search behind the tumour-type autocomplete.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import has_app_context
from flask_babel import get_locale

DATA = Path(__file__).with_name("data")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "’": "'", "‘": "'"})
_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class TumourType:
    code: str
    name_en: str
    name_fr: str
    parent: str | None  # None for a tissue-level node
    tissue: str  # English name of the tissue-level ancestor ("Lung")


@dataclass(frozen=True)
class Alteration:
    code: str
    label_en: str
    label_fr: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Gene:
    gene: str  # the symbol criteria store ("ERBB2", "PD-L1")
    kind: str
    label_en: str
    label_fr: str
    synonyms: tuple[str, ...]
    alterations: dict[str, Alteration]  # by code, in the file's order


@dataclass(frozen=True)
class DrugClass:
    code: str
    label_en: str
    label_fr: str
    examples: tuple[str, ...]


@cache
def _data(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as file:
        return json.load(file)


# -- Tumour types ---------------------------------------------------------------------------


@cache
def tumour_types() -> dict[str, TumourType]:
    """Every OncoTree type by code, tissues and their subtrees in the file's order."""
    return {
        item["code"]: TumourType(
            item["code"], item["name_en"], item["name_fr"], item["parent"], item["tissue"]
        )
        for item in _data("oncotree.json")["types"]
    }


@cache
def _children() -> dict[str | None, tuple[str, ...]]:
    children: dict[str | None, list[str]] = {}
    for code, found in tumour_types().items():
        children.setdefault(found.parent, []).append(code)
    return {parent: tuple(codes) for parent, codes in children.items()}


@cache
def descendants(code: str) -> frozenset[str]:
    """The code itself and every code below it; empty for an unknown code."""
    if code not in tumour_types():
        return frozenset()
    found, pending = {code}, [code]
    while pending:
        for child in _children().get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return frozenset(found)


@cache
def ancestors(code: str) -> tuple[str, ...]:
    """The codes above ``code``, parent first, up to its tissue-level node; empty for a
    tissue or an unknown code."""
    types, chain = tumour_types(), []
    parent = types[code].parent if code in types else None
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = types[parent].parent
    return tuple(chain)


def tissues() -> list[TumourType]:
    """The tissue-level nodes (parent None), in the file's order (by English name)."""
    return [found for found in tumour_types().values() if found.parent is None]


# -- Biomarkers and drug classes ------------------------------------------------------------


@cache
def biomarkers() -> dict[str, Gene]:
    """Every gene or marker by its symbol."""
    genes = {}
    for item in _data("biomarkers.json")["genes"]:
        alterations = {
            a["code"]: Alteration(a["code"], a["label_en"], a["label_fr"], tuple(a["synonyms"]))
            for a in item["alterations"]
        }
        genes[item["gene"]] = Gene(
            item["gene"],
            item["kind"],
            item["label_en"],
            item["label_fr"],
            tuple(item["synonyms"]),
            alterations,
        )
    return genes


@cache
def _genes_by_name() -> dict[str, Gene]:
    index: dict[str, Gene] = {}
    for gene in biomarkers().values():
        for name in gene.synonyms:
            index.setdefault(normalise(name), gene)
    for gene in biomarkers().values():  # a symbol wins over another gene's synonym
        index[normalise(gene.gene)] = gene
    return index


def biomarker(name: str | None) -> Gene | None:
    """The gene of a symbol or synonym (``"her2"``: ERBB2), case- and accent-insensitive."""
    if not name or not isinstance(name, str):
        return None
    return _genes_by_name().get(normalise(name))


@cache
def drug_classes() -> dict[str, DrugClass]:
    """Every drug class by code."""
    return {
        item["code"]: DrugClass(
            item["code"], item["label_en"], item["label_fr"], tuple(item["examples"])
        )
        for item in _data("drug_classes.json")["classes"]
    }


# -- Labels and search ----------------------------------------------------------------------


def current_language() -> str:
    """The current Flask-Babel language in an app context, French outside one."""
    if has_app_context():
        locale = get_locale()
        if locale is not None:
            return locale.language
    return "fr"


def label(obj: TumourType | Gene | Alteration | DrugClass, language: str | None = None) -> str:
    """The French or English name of ``obj``; ``language`` None is the current Flask-Babel
    locale in an app or request context, French outside one. Any language but English
    gets French."""
    english = (language or current_language()).lower().startswith("en")
    if isinstance(obj, TumourType):
        return obj.name_en if english else obj.name_fr
    if isinstance(obj, Gene | Alteration | DrugClass):
        return obj.label_en if english else obj.label_fr
    raise TypeError(f"No label for {type(obj).__name__}")


def normalise(text: str) -> str:
    """Lowercase, accents and ligatures removed (``"Œsophage"``: ``"oesophage"``), spaces
    collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.split(text) if w)


@dataclass(frozen=True)
class _Entry:
    found: TumourType
    code: str
    names: str  # both names, normalised
    words: frozenset[str]  # the code's and the names' words
    context: frozenset[str]  # the words of its tissue's names
    depth: int
    sort_name: str


@cache
def _entries() -> tuple[_Entry, ...]:
    types = tumour_types()
    entries = []
    for code, found in types.items():
        names = normalise(f"{found.name_fr} | {found.name_en}")
        chain = ancestors(code)
        tissue = types[chain[-1]] if chain else found
        context = _words(normalise(f"{tissue.name_fr} {tissue.name_en}"))
        words = _words(names) | {normalise(code)}
        entries.append(
            _Entry(
                found, normalise(code), names, words, context, len(chain), normalise(found.name_fr)
            )
        )
    return tuple(entries)


def _prefixes(tokens: list[str], words: frozenset[str]) -> bool:
    return all(any(w.startswith(t) for w in words) for t in tokens)


def _rank(entry: _Entry, query: str, tokens: list[str]) -> int | None:
    if entry.code == query:
        return 0
    if entry.code.startswith(query):
        return 1
    # The tissue's words count as the type's own: "poumon" finds "Adénocarcinome pulmonaire".
    if _prefixes(tokens, entry.words | entry.context):
        return 2
    if all(t in entry.names for t in tokens):
        return 3
    return None


def find_tumour_types(text: str, limit: int = 20) -> list[TumourType]:
    """Types whose code or names match ``text``, accent- and case-insensitive: the exact
    code first, then codes that start with it, then types with a word starting with each
    word typed (in their names or their tissue's: "poumon" gives every lung type), then
    names containing each word typed; broader types first within each rank."""
    query = normalise(text or "")
    tokens = sorted(_words(query), key=len, reverse=True)
    if not tokens or limit <= 0:
        return []
    ranked = []
    for entry in _entries():
        rank = _rank(entry, query, tokens)
        if rank is not None:
            ranked.append((rank, entry.depth, entry.sort_name, entry.code, entry.found))
    ranked.sort(key=lambda item: item[:4])
    return [item[4] for item in ranked[:limit]]


@cache
def _types_by_name() -> dict[str, TumourType]:
    found: dict[str, TumourType] = {}
    for code, kind in tumour_types().items():
        for name in (code, kind.name_en, kind.name_fr):
            found.setdefault(normalise(name), kind)
    return found


def tumour_site_label(text: str | None, language: str | None = None) -> str:
    """A trial's tumour site in the reader's language when it names an OncoTree type
    (its code, English or French name, as the import and the demo write it); any
    other text as it was written."""
    if not text:
        return ""
    kind = _types_by_name().get(normalise(text))
    return label(kind, language) if kind else text
