"""The eligibility vocabulary: OncoTree tree, French names, search, biomarkers, drug classes."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask_babel import Babel

from referral_app.eligibility import vocabulary as v

TYPES = v.tumour_types()
RAW = json.loads((v.DATA / "oncotree.json").read_text(encoding="utf-8"))
# The tissues the referral forms need (brief of issue 14), by their OncoTree codes.
REQUIRED_TISSUES = {
    "LUNG", "BREAST", "BOWEL", "OVARY", "UTERUS", "CERVIX", "SKIN", "EYE", "BRAIN", "PNS",
    "BONE", "SOFT_TISSUE", "KIDNEY", "PLEURA", "HEAD_NECK", "STOMACH", "PANCREAS", "LIVER",
    "BILIARY_TRACT", "PROSTATE", "BLADDER", "THYROID", "THYMUS", "ADRENAL_GLAND", "TESTIS",
}  # fmt: skip


# -- The tree -------------------------------------------------------------------------------


def test_the_whole_release_is_there():
    assert RAW["release"] == "oncotree_2026_05_21"
    assert "cBioPortal/oncotree" in RAW["source"]
    assert len(TYPES) == len(RAW["types"]) == 1167  # codes are unique
    assert {t.code for t in v.tissues()} >= REQUIRED_TISSUES
    # Myeloid and lymphoid neoplasms sit under the one haematopoietic tissue here.
    assert TYPES["MYELOID"].parent == TYPES["LYMPH"].parent == "HEMATOPOIETIC"


def test_every_parent_exists_and_the_tree_has_no_cycle():
    for code, found in TYPES.items():
        assert re.fullmatch(r"[A-Z0-9_/-]+", code), code
        assert found.parent is None or found.parent in TYPES, code
        seen, parent = {code}, found.parent
        while parent is not None:
            assert parent not in seen, f"cycle through {code}"
            seen.add(parent)
            parent = TYPES[parent].parent


def test_every_type_names_its_tissue_ancestor():
    for code, found in TYPES.items():
        chain = v.ancestors(code)
        top = TYPES[chain[-1]] if chain else found
        assert top.parent is None
        assert found.tissue == top.name_en, code


def test_every_type_has_a_french_name():
    for found in TYPES.values():
        assert found.name_fr.strip() and found.name_en.strip(), found.code
        assert found.name_fr == " ".join(found.name_fr.split()), found.code
    # Translated, not copied: only words the two languages share are the same.
    same = [t.code for t in TYPES.values() if v.normalise(t.name_fr) == v.normalise(t.name_en)]
    assert len(same) <= 10, same
    assert TYPES["NSCLC"].name_fr == "Cancer du poumon non à petites cellules"
    assert TYPES["SKCM"].name_fr == "Mélanome cutané"


def test_tissues_carry_their_french_name():
    tissues = [item for item in RAW["types"] if item["parent"] is None]
    assert {t["code"] for t in tissues} == {t.code for t in v.tissues()}
    assert all(t["tissue_fr"] == t["name_fr"] and t["tissue"] == t["name_en"] for t in tissues)
    assert v.label(TYPES["LUNG"], "fr") == "Poumon"
    assert "tissue_fr" not in next(item for item in RAW["types"] if item["code"] == "LUAD")


def test_ancestors_go_up_to_the_tissue():
    assert v.ancestors("LUAD") == ("NSCLC", "LUNG")
    assert v.ancestors("SKCM") == ("MEL", "SKIN")
    assert v.ancestors("UM") == ("OM", "EYE")
    assert v.ancestors("AMLNPM1") == ("AMLRGA", "AML", "MNM", "MYELOID", "HEMATOPOIETIC")
    assert v.ancestors("LUNG") == ()
    assert v.ancestors("NOPE") == ()


def test_descendants_are_the_code_and_everything_below():
    nsclc = v.descendants("NSCLC")
    assert {"NSCLC", "LUAD", "LUSC", "MLUAD"} <= nsclc  # MLUAD is under LUAD
    assert "SCLC" not in nsclc and "LUNG" not in nsclc  # SCLC is a lung NET here
    lung = v.descendants("LUNG")
    assert lung == {code for code, t in TYPES.items() if t.tissue == "Lung"}
    assert v.descendants("LUAD") == {"LUAD", "MLUAD"}
    assert v.descendants("SKCM") == {"SKCM"}
    assert v.descendants("NOPE") == frozenset()
    assert all(code in v.descendants(a) for code in TYPES for a in v.ancestors(code))


# -- Search ---------------------------------------------------------------------------------


def test_normalise_drops_case_accents_and_ligatures():
    assert v.normalise("  Œsophage   GASTRIQUE ") == "oesophage gastrique"
    assert v.normalise("Mélanome") == v.normalise("MELANOME") == "melanome"


def test_poumon_finds_lung_types():
    found = v.find_tumour_types("poumon")
    codes = [t.code for t in found]
    assert codes[0] == "LUNG"
    assert {"NSCLC", "LUAD"} <= set(codes)
    assert all(t.tissue == "Lung" for t in found)


@pytest.mark.parametrize("query", ["mélanome", "melanome", "MÉLANOME"])
def test_melanome_with_or_without_accent_finds_melanomas(query):
    found = v.find_tumour_types(query)
    codes = [t.code for t in found]
    assert codes[0] == "MEL"
    assert {"SKCM", "UM", "ACRM"} <= set(codes)
    assert all("melanom" in v.normalise(t.name_fr + t.name_en) for t in found)


def test_search_ranks_the_exact_code_first():
    assert [t.code for t in v.find_tumour_types("luad")][:1] == ["LUAD"]
    mel = [t.code for t in v.find_tumour_types("MEL")]
    assert mel[0] == "MEL" and mel.index("MELC") < mel.index("SKCM")  # code prefix, then names
    assert "LUAD" in [t.code for t in v.find_tumour_types("lung adenocarcinoma")][:3]
    assert [t.code for t in v.find_tumour_types("oesophage")] == [
        t.code for t in v.find_tumour_types("Œsophage")
    ]


def test_search_limits_and_empty_queries():
    assert len(v.find_tumour_types("carcinome", limit=5)) == 5
    assert v.find_tumour_types("") == v.find_tumour_types("  ") == []
    assert v.find_tumour_types("zzzzqx") == []


# -- Biomarkers -----------------------------------------------------------------------------

REQUIRED_BIOMARKERS = {
    "EGFR": {"EX19DEL", "L858R", "T790M", "EX20INS", "C797S", "MUTATION"},
    "ALK": {"FUSION", "MUTATION"},
    "ROS1": {"FUSION"},
    "RET": {"FUSION", "MUTATION"},
    "NTRK": {"FUSION"},
    "KRAS": {"G12C", "G12D", "G12V", "MUTATION"},
    "NRAS": {"MUTATION"},
    "BRAF": {"V600E", "V600K", "V600", "MUTATION"},
    "ERBB2": {"AMPLIFICATION", "OVEREXPRESSION", "LOW", "MUTATION", "EX20INS"},
    "MET": {"EX14SKIP", "AMPLIFICATION"},
    "PIK3CA": {"MUTATION"},
    "ESR1": {"MUTATION"},
    "ESR": {"POSITIVE"},
    "PGR": {"POSITIVE"},
    "BRCA1": {"MUTATION"},
    "BRCA2": {"MUTATION"},
    "HRD": {"POSITIVE"},
    "MSI": {"MSI_H"},
    "MMR": {"DEFICIENT"},
    "TMB": {"HIGH"},
    "PD-L1": {"TPS", "CPS"},
    "IDH1": {"R132H", "MUTATION"},
    "IDH2": {"MUTATION"},
    "MGMT": {"METHYLATED"},
    "H3F3A": {"K27M"},
    "FLT3": {"ITD", "TKD"},
    "NPM1": {"MUTATION"},
    "BCR-ABL1": {"FUSION"},
    "CD19": {"POSITIVE"},
    "CD20": {"POSITIVE"},
    "CD33": {"POSITIVE"},
    "CD38": {"POSITIVE"},
    "BCMA": {"POSITIVE"},
    "FGFR2": {"FUSION"},
    "FGFR3": {"MUTATION", "FUSION"},
    "NRG1": {"FUSION"},
    "KIT": {"MUTATION"},
    "TP53": {"MUTATION"},
    "MYCN": {"AMPLIFICATION"},
    "DLL3": {"POSITIVE"},
    "CLDN18.2": {"POSITIVE"},
    "FOLR1": {"POSITIVE"},
    "HPV": {"POSITIVE"},
    "EBV": {"POSITIVE"},
}
KINDS = {"mutation", "expression", "signature", "methylation", "virus"}


def test_the_required_genes_and_codes_are_there():
    genes = v.biomarkers()
    for symbol, codes in REQUIRED_BIOMARKERS.items():
        assert codes <= set(genes[symbol].alterations), symbol
    assert {genes[s].kind for s in ("ESR", "PGR", "PD-L1", "CD20", "DLL3")} == {"expression"}
    assert genes["MSI"].kind == "signature" and genes["HPV"].kind == "virus"


def test_codes_labels_and_kinds_are_well_formed():
    for gene in v.biomarkers().values():
        assert gene.kind in KINDS, gene.gene
        assert gene.label_fr.strip() and gene.label_en.strip(), gene.gene
        assert gene.alterations, gene.gene
        names = set()
        for code, alteration in gene.alterations.items():
            assert code == alteration.code and re.fullmatch(r"[A-Z0-9_]+", code), code
            assert alteration.label_fr.strip() and alteration.label_en.strip(), code
            for name in {v.normalise(s) for s in alteration.synonyms}:
                assert name not in names, f"{gene.gene}: {name} names two alterations"
                names.add(name)


def test_no_name_leads_to_two_genes():
    owner: dict[str, str] = {}
    for gene in v.biomarkers().values():
        for name in {v.normalise(n) for n in (gene.gene, *gene.synonyms)}:
            assert owner.setdefault(name, gene.gene) == gene.gene, name


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("her2", "ERBB2"),
        ("HER2", "ERBB2"),
        ("ErbB2", "ERBB2"),
        ("ER", "ESR"),
        ("récepteurs des oestrogènes", "ESR"),
        ("PR", "PGR"),
        ("pdl1", "PD-L1"),
        ("H3 K27M", "H3F3A"),
        ("NTRK3", "NTRK"),
        ("p16", "HPV"),
        ("BCR::ABL1", "BCR-ABL1"),
    ],
)
def test_biomarker_finds_symbols_and_synonyms(name, symbol):
    assert v.biomarker(name).gene == symbol


@pytest.mark.parametrize("name", [None, "", "NOTAGENE", "HER"])
def test_biomarker_of_an_unknown_name_is_none(name):
    assert v.biomarker(name) is None


# -- Drug classes and labels ----------------------------------------------------------------

REQUIRED_CLASSES = {
    "platinum", "taxane", "pemetrexed", "anthracycline", "fluoropyrimidine", "irinotecan",
    "temozolomide", "alkylating_other", "anti_pd1_pdl1", "anti_ctla4", "egfr_tki", "alk_tki",
    "ros1_tki", "ret_inhibitor", "kras_g12c_inhibitor", "braf_mek_inhibitor", "her2_antibody",
    "her2_adc", "her2_tki", "trop2_adc", "other_adc", "cdk46_inhibitor", "endocrine_therapy",
    "aromatase_inhibitor", "parp_inhibitor", "anti_vegf", "multikinase_tki",
    "anti_egfr_antibody", "hypomethylating_agent", "car_t", "bispecific_antibody", "anti_cd20",
    "anti_cd38", "proteasome_inhibitor", "imid", "btk_inhibitor", "bcl2_inhibitor",
    "stem_cell_transplant", "radiotherapy_thoracic", "radiotherapy_brain", "surgery",
}  # fmt: skip


def test_every_drug_class_has_both_labels_and_examples():
    classes = v.drug_classes()
    assert set(classes) >= REQUIRED_CLASSES
    for code, drug in classes.items():
        assert code == drug.code and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code), code
        assert drug.label_fr.strip() and drug.label_en.strip(), code
        assert drug.examples and all(e.strip() for e in drug.examples), code
    assert v.label(classes["platinum"], "fr") == "Chimiothérapie à base de platine"


def test_label_picks_the_language():
    luad, egfr = TYPES["LUAD"], v.biomarker("EGFR")
    assert v.label(luad, "en") == "Lung Adenocarcinoma"
    assert v.label(luad, "fr") == "Adénocarcinome pulmonaire"
    assert v.label(luad, "en_CA") == "Lung Adenocarcinoma"
    assert v.label(egfr.alterations["EX19DEL"], "fr") == "délétion de l'exon 19"
    assert v.label(luad) == "Adénocarcinome pulmonaire"  # no app context: French
    with pytest.raises(TypeError):
        v.label("LUAD")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("locale", "name"), [("en", "Lung Adenocarcinoma"), ("fr", "Adénocarcinome pulmonaire")]
)
def test_label_follows_the_babel_locale(locale, name):
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: locale)
    with app.test_request_context("/"):
        assert v.label(TYPES["LUAD"]) == name
