"""Structured eligibility criteria of the demo trials (``seed_data.TRIALS``).

``DEMO_CRITERIA`` maps each demo trial's NCT number to its criteria in the JSON form of
``eligibility.criteria`` (see that module's docstring), written from the trial's title
and eligibility lines as an oncologist would enter them. Like the trials, they are
FICTIONAL demo data; every code comes from ``eligibility.vocabulary`` (OncoTree
``oncotree_2026_05_21``, ``biomarkers.json``, ``drug_classes.json``).

Conventions used here:

- ``tumour_site`` lists the most specific OncoTree codes (a code admits those below
  it); a tumour-agnostic trial lists every solid tissue (``_SOLID_TISSUES``).
- "Advanced" or "metastatic" become stage groups; ``prior_lines`` counts lines for the
  advanced disease (first-line: ``max`` 0; "previously treated": ``min`` 1).
- A Karnofsky or Lansky threshold becomes the usual ECOG equivalent (KPS ≥ 70: ECOG
  ≤ 1; KPS ≥ 60: ECOG ≤ 2), the exact scale kept in a ``free_text`` when it matters.
- An "either of two alterations" that the vocabulary has no single code for is the
  gene as a whole plus a ``free_text`` naming the alterations; ``cohort`` is used only
  for a trial with arms by biomarker (MENIN-Q).
- What cannot be structured (organ function, washouts, time windows, scores) is a
  ``free_text`` in French and English; ``may_change`` marks what can become true later
  (a lab value, a washout, a time since treatment).

The lists are built fresh from literals: a caller may keep or change one freely.
"""

from __future__ import annotations

from typing import Any

# Every tissue-level OncoTree node except the blood cancers (``HEMATOPOIETIC``): the
# "solid tumour" of a tumour-agnostic trial.
_SOLID_TISSUES = (
    "ADRENAL_GLAND",
    "AMPULLA_OF_VATER",
    "BILIARY_TRACT",
    "BLADDER",
    "BONE",
    "BOWEL",
    "BRAIN",
    "BREAST",
    "CERVIX",
    "EYE",
    "HEAD_NECK",
    "KIDNEY",
    "LIVER",
    "LUNG",
    "OTHER",
    "OVARY",
    "PANCREAS",
    "PENIS",
    "PERITONEUM",
    "PLEURA",
    "PNS",
    "PROSTATE",
    "SKIN",
    "SOFT_TISSUE",
    "STOMACH",
    "TESTIS",
    "THYMUS",
    "THYROID",
    "UTERUS",
    "VULVA",
)
_ADVANCED_LUNG = ["IIIB", "IIIC", "IV"]
# Cutaneous melanoma and its OncoTree siblings under MEL (nevi and spitzoid tumours
# left out); melanoma of unknown primary is treated as cutaneous.
_CUTANEOUS_MELANOMA = ["SKCM", "ACRM", "DESM", "SKLMM", "MUP"]


DEMO_CRITERIA: dict[str, list[dict[str, Any]]] = {
    # ---- Thoracic (RÉSOT) ------------------------------------------------
    # HORIZON-LUNG: untreated EGFR ex19del/L858R non-squamous NSCLC.
    "NCT09184532": [
        {"id": "site", "kind": "tumour_site", "codes": ["LUAD", "LCLC", "NSCLCPD"]},
        {"id": "stage", "kind": "stage", "allowed": list(_ADVANCED_LUNG)},
        {"id": "egfr", "kind": "biomarker", "gene": "EGFR", "mode": "required"},
        {
            "id": "egfr_type",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Délétion de l'exon 19 ou mutation L858R de l'EGFR, sur tissu ou "
            "plasma (les autres mutations de l'EGFR ne sont pas admissibles)",
            "text_en": "EGFR exon 19 deletion or L858R on tissue or plasma (other EGFR "
            "mutations are not eligible)",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "brain", "kind": "brain_metastases", "allowed": True},
        {
            "id": "brain_tx",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Métastases cérébrales non traitées, symptomatiques ou instables",
            "text_en": "Untreated, symptomatic or unstable brain metastases",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # GLACIER-12C: KRAS G12C NSCLC after immunotherapy and platinum.
    "NCT09203317": [
        {"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
        {"id": "stage", "kind": "stage", "allowed": list(_ADVANCED_LUNG)},
        {
            "id": "kras",
            "kind": "biomarker",
            "gene": "KRAS",
            "alteration": "G12C",
            "mode": "required",
        },
        # Previously treated: the two required prior therapies say it.
        {"id": "io", "kind": "prior_therapy", "drug_class": "anti_pd1_pdl1", "mode": "required"},
        {"id": "platinum", "kind": "prior_therapy", "drug_class": "platinum", "mode": "required"},
        {
            "id": "no_g12ci",
            "kind": "prior_therapy",
            "drug_class": "kras_g12c_inhibitor",
            "mode": "excluded",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "measurable", "kind": "measurable_disease", "required": True},
        {
            "id": "washout",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Au moins 3 semaines depuis le dernier traitement systémique; toxicités "
            "antérieures revenues au grade 1 ou moins",
            "text_en": "At least 3 weeks since the last systemic therapy; prior toxicities "
            "resolved to grade 1 or less",
            "may_change": True,
        },
    ],
    # RET-QUEST: tumour-agnostic RET fusion, prior selective RET inhibitor allowed.
    "NCT09215840": [
        {"id": "site", "kind": "tumour_site", "codes": list(_SOLID_TISSUES)},
        {
            "id": "ret",
            "kind": "biomarker",
            "gene": "RET",
            "alteration": "FUSION",
            "mode": "required",
        },
        {
            "id": "ngs",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Fusion RET confirmée par séquençage de nouvelle génération (tissu ou "
            "plasma); un inhibiteur sélectif de RET antérieur est permis",
            "text_en": "RET fusion confirmed by next-generation sequencing (tissue or "
            "plasma); a prior selective RET inhibitor is allowed",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {
            "id": "organ",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Fonctions médullaire, hépatique et rénale adéquates",
            "text_en": "Adequate bone marrow, liver and kidney function",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ALTITUDE-ALK: ALK+ NSCLC after lorlatinib.
    "NCT09227761": [
        {"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
        {"id": "stage", "kind": "stage", "allowed": list(_ADVANCED_LUNG)},
        {
            "id": "alk",
            "kind": "biomarker",
            "gene": "ALK",
            "alteration": "FUSION",
            "mode": "required",
        },
        {"id": "alk_tki", "kind": "prior_therapy", "drug_class": "alk_tki", "mode": "required"},
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {
            "id": "lorlatinib",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Progression sous lorlatinib (ITK ALK de troisième génération)",
            "text_en": "Progression on lorlatinib (third-generation ALK TKI)",
        },
        {
            "id": "biopsy",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Biopsie à la progression pour la recherche de mutations de résistance",
            "text_en": "Biopsy at progression for resistance mutation testing",
            "may_change": True,
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # SENTINEL-SCLC: consolidative thoracic RT after chemo-immunotherapy, ES-SCLC.
    "NCT09239054": [
        {"id": "site", "kind": "tumour_site", "codes": ["SCLC"]},
        {"id": "stage", "kind": "stage", "allowed": ["EXTENSIVE", "IV"]},
        {"id": "platinum", "kind": "prior_therapy", "drug_class": "platinum", "mode": "required"},
        {"id": "io", "kind": "prior_therapy", "drug_class": "anti_pd1_pdl1", "mode": "required"},
        {
            "id": "response",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Réponse complète ou partielle après 4 cycles de chimio-immunothérapie",
            "text_en": "Complete or partial response after 4 cycles of chemo-immunotherapy",
        },
        {"id": "brain", "kind": "brain_metastases", "allowed": True},
        {
            "id": "brain_prog",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Métastases cérébrales en progression",
            "text_en": "Progressive brain metastases",
            "may_change": True,
        },
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # MESO-PRIME: neoadjuvant chemo-immunotherapy, resectable epithelioid mesothelioma.
    "NCT09241876": [
        {"id": "site", "kind": "tumour_site", "codes": ["PLEMESO"]},
        {
            "id": "resectable",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Jugé résécable (pleurectomie-décortication) par un chirurgien thoracique",
            "text_en": "Judged resectable (pleurectomy-decortication) by a thoracic surgeon",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {
            "id": "lung_function",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Fonction pulmonaire adéquate pour la chirurgie (spirométrie, DLCO)",
            "text_en": "Pulmonary function adequate for surgery (spirometry, DLCO)",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # STELLAR-III: after chemoradiation, unresectable stage III NSCLC, PD-L1 ≥ 1 %.
    "NCT09256413": [
        {"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
        {"id": "stage", "kind": "stage", "allowed": ["III"]},
        {
            "id": "pdl1",
            "kind": "biomarker",
            "gene": "PD-L1",
            "alteration": "TPS",
            "mode": "required",
            "min_percent": 1,
        },
        {"id": "platinum", "kind": "prior_therapy", "drug_class": "platinum", "mode": "required"},
        {
            "id": "chest_rt",
            "kind": "prior_therapy",
            "drug_class": "radiotherapy_thoracic",
            "mode": "required",
        },
        {
            "id": "no_progression",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Stade III non résécable, sans progression après la chimioradiothérapie",
            "text_en": "Unresectable stage III without progression after chemoradiation",
        },
        {
            "id": "window",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Randomisation au plus 6 semaines après la dernière dose de radiothérapie",
            "text_en": "Randomization within 6 weeks of the last radiation dose",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ---- Hemato-oncology -------------------------------------------------
    # FLT3-FORWARD: newly diagnosed FLT3-ITD/TKD AML, intensive induction.
    "NCT09301128": [
        {"id": "site", "kind": "tumour_site", "codes": ["AML"]},
        # No alteration: FLT3's codes are ITD and TKD, either of which qualifies.
        {"id": "flt3", "kind": "biomarker", "gene": "FLT3", "mode": "required"},
        {"id": "age", "kind": "age", "min": 18, "max": 75},
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "fit",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Apte à une chimiothérapie d'induction intensive",
            "text_en": "Fit for intensive induction chemotherapy",
        },
        {
            "id": "flt3_time",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Résultat FLT3 disponible dans les 72 heures suivant le diagnostic",
            "text_en": "FLT3 result available within 72 hours of diagnosis",
        },
    ],
    # IDH-ACCORD: R/R IDH1-mutated AML, 1-2 prior lines, no prior IDH1 inhibitor.
    "NCT09312507": [
        {"id": "site", "kind": "tumour_site", "codes": ["AML"]},
        {
            "id": "idh1",
            "kind": "biomarker",
            "gene": "IDH1",
            "alteration": "MUTATION",
            "mode": "required",
        },
        {"id": "lines", "kind": "prior_lines", "min": 1, "max": 2},
        {
            "id": "no_idhi",
            "kind": "prior_therapy",
            "drug_class": "idh_inhibitor",
            "mode": "excluded",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {
            "id": "idh1_r132",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Mutation IDH1 en position R132 (R132H, C, G, S ou L); maladie en "
            "rechute ou réfractaire",
            "text_en": "IDH1 mutation at R132 (R132H, C, G, S or L); relapsed or refractory "
            "disease",
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # MDS-RELAIS: transfusion-dependent lower-risk MDS with SF3B1 mutation.
    "NCT09324679": [
        # The OncoTree type carries the SF3B1 mutation (no SF3B1 gene in the vocabulary).
        {"id": "site", "kind": "tumour_site", "codes": ["MDSLBSF3B1"]},
        {
            "id": "risk",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Risque IPSS-R très faible, faible ou intermédiaire; réfractaire ou "
            "inadmissible aux agents stimulant l'érythropoïèse",
            "text_en": "IPSS-R very low, low or intermediate risk; refractory to or "
            "ineligible for erythropoiesis-stimulating agents",
        },
        {
            "id": "transfusion",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Au moins 2 culots globulaires toutes les 8 semaines",
            "text_en": "At least 2 red-cell units every 8 weeks",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # TP53-VIGIL: R/R TP53-mutated AML or higher-risk MDS, not going to transplant now.
    "NCT09336942": [
        {"id": "site", "kind": "tumour_site", "codes": ["AML", "MDS"]},
        {
            "id": "tp53",
            "kind": "biomarker",
            "gene": "TP53",
            "alteration": "MUTATION",
            "mode": "required",
        },
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {
            "id": "higher_risk",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "SMD de risque élevé (IPSS-R > 3,5) ou LMA, en rechute ou réfractaire",
            "text_en": "Higher-risk MDS (IPSS-R > 3.5) or AML, relapsed or refractory",
        },
        {
            "id": "no_transplant",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Candidat à une allogreffe de cellules souches immédiate",
            "text_en": "Candidate for an immediate allogeneic stem cell transplant",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # MENIN-Q: R/R acute leukemia, two molecular cohorts (KMT2A-r, NPM1-mutated).
    "NCT09348215": [
        {"id": "site", "kind": "tumour_site", "codes": ["AML", "BLL", "ALAL"]},
        # KMT2A is not a gene of the vocabulary: its OncoTree types say the rearrangement.
        {
            "id": "kmt2a",
            "kind": "tumour_site",
            "codes": ["AMLKMT2A", "BLLKMT2A", "MPALKMT2A"],
            "cohort": "KMT2A-r",
        },
        {
            "id": "npm1",
            "kind": "biomarker",
            "gene": "NPM1",
            "alteration": "MUTATION",
            "mode": "required",
            "cohort": "NPM1m",
        },
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {
            "id": "qtc",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "QTc ≤ 470 ms",
            "text_en": "QTc ≤ 470 ms",
            "may_change": True,
        },
        {
            "id": "cns",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Atteinte leucémique active du système nerveux central",
            "text_en": "Active central nervous system leukemia",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ELAN-DLBCL: untreated high-risk DLBCL, bispecific + R-CHOP.
    "NCT09350483": [
        {
            "id": "site",
            "kind": "tumour_site",
            "codes": ["DLBCLNOS", "EBVDLBCLNOS", "THRLBCL", "HGBCLMYCBCL2"],
        },
        {
            "id": "cd20",
            "kind": "biomarker",
            "gene": "CD20",
            "alteration": "POSITIVE",
            "mode": "required",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "ipi",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "IPI de 2 à 5",
            "text_en": "IPI 2 to 5",
        },
        {"id": "age", "kind": "age", "min": 18, "max": 80},
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {
            "id": "lvef",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "FEVG ≥ 50 %",
            "text_en": "LVEF ≥ 50%",
            "may_change": True,
        },
    ],
    # MYELO-STEP: transplant-ineligible newly diagnosed myeloma.
    "NCT09362790": [
        {"id": "site", "kind": "tumour_site", "codes": ["PCM"]},
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "no_asct",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Non admissible à une autogreffe de cellules souches (âge ou comorbidités)",
            "text_en": "Not eligible for autologous stem cell transplant (age or comorbidities)",
        },
        {"id": "measurable", "kind": "measurable_disease", "required": True},
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {
            "id": "renal",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Clairance de la créatinine ≥ 30 mL/min",
            "text_en": "Creatinine clearance ≥ 30 mL/min",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ---- Colorectal --------------------------------------------------------
    # BRAVADO-CRC: first-line BRAF V600E, MSS metastatic colorectal cancer.
    "NCT09401236": [
        {"id": "site", "kind": "tumour_site", "codes": ["COADREAD"]},
        {"id": "stage", "kind": "stage", "allowed": ["IV"]},
        {
            "id": "braf",
            "kind": "biomarker",
            "gene": "BRAF",
            "alteration": "V600E",
            "mode": "required",
        },
        {
            "id": "pmmr",
            "kind": "biomarker",
            "gene": "MMR",
            "alteration": "DEFICIENT",
            "mode": "excluded",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {
            "id": "organ",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Fonctions médullaire, hépatique et rénale adéquates",
            "text_en": "Adequate bone marrow, liver and kidney function",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # MSI-FIRST: neoadjuvant PD-1 blockade, dMMR locally advanced rectal cancer.
    "NCT09413570": [
        {"id": "site", "kind": "tumour_site", "codes": ["READ"]},
        {"id": "stage", "kind": "stage", "allowed": ["II", "III"]},
        {
            "id": "dmmr",
            "kind": "biomarker",
            "gene": "MMR",
            "alteration": "DEFICIENT",
            "mode": "required",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "no_surgery", "kind": "prior_therapy", "drug_class": "surgery", "mode": "excluded"},
        {
            "id": "untreated",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Tout traitement antérieur du cancer du rectum (radiothérapie, "
            "chimiothérapie, immunothérapie)",
            "text_en": "Any prior treatment for rectal cancer (radiotherapy, chemotherapy, "
            "immunotherapy)",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # CTDNA-GUIDE: resected stage II-III colon cancer, ctDNA-guided adjuvant therapy.
    "NCT09425811": [
        {"id": "site", "kind": "tumour_site", "codes": ["COAD"]},
        {"id": "stage", "kind": "stage", "allowed": ["II", "III"]},
        {"id": "surgery", "kind": "prior_therapy", "drug_class": "surgery", "mode": "required"},
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "r0_ctdna",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Résection R0; prélèvement sanguin pour l'ADN tumoral circulant dans "
            "les 8 semaines suivant la chirurgie",
            "text_en": "R0 resection; blood sample for circulating tumour DNA within 8 weeks "
            "of surgery",
        },
        {
            "id": "adjuvant",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Candidat à une chimiothérapie adjuvante",
            "text_en": "Candidate for adjuvant chemotherapy",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # HER2-COLON: HER2-amplified RAS/BRAF wild-type mCRC after ≥ 2 lines.
    "NCT09437102": [
        {"id": "site", "kind": "tumour_site", "codes": ["COADREAD"]},
        {"id": "stage", "kind": "stage", "allowed": ["IV"]},
        {
            "id": "her2",
            "kind": "biomarker",
            "gene": "ERBB2",
            "alteration": "AMPLIFICATION",
            "mode": "required",
        },
        {"id": "kras", "kind": "biomarker", "gene": "KRAS", "mode": "excluded"},
        {"id": "nras", "kind": "biomarker", "gene": "NRAS", "mode": "excluded"},
        {"id": "braf", "kind": "biomarker", "gene": "BRAF", "mode": "excluded"},
        {"id": "lines", "kind": "prior_lines", "min": 2},
        {
            "id": "her2_test",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "HER2 IHC 3+ ou amplifié par HIS (l'un ou l'autre suffit)",
            "text_en": "HER2 IHC 3+ or amplified by ISH (either is enough)",
        },
        {
            "id": "heart_lung",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "FEVG < 50 % ou antécédent de pneumopathie interstitielle ou de pneumonite",
            "text_en": "LVEF < 50% or history of interstitial lung disease or pneumonitis",
            "may_change": True,
        },
    ],
    # RECTO-WATCH: total neoadjuvant therapy then watch-and-wait, stage II-III rectum.
    "NCT09449358": [
        {"id": "site", "kind": "tumour_site", "codes": ["READ"]},
        {"id": "stage", "kind": "stage", "allowed": ["II", "III"]},
        {
            "id": "distance",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Tumeur à 12 cm ou moins de la marge anale",
            "text_en": "Tumour within 12 cm of the anal verge",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "no_surgery", "kind": "prior_therapy", "drug_class": "surgery", "mode": "excluded"},
        {
            "id": "follow_up",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Accepte un suivi endoscopique et par IRM intensif",
            "text_en": "Willing to undergo intensive endoscopic and MRI follow-up",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # KRAS-ECLAT: KRAS G12C mCRC after fluoropyrimidine, oxaliplatin and irinotecan.
    "NCT09451694": [
        {"id": "site", "kind": "tumour_site", "codes": ["COADREAD"]},
        {"id": "stage", "kind": "stage", "allowed": ["IV"]},
        {
            "id": "kras",
            "kind": "biomarker",
            "gene": "KRAS",
            "alteration": "G12C",
            "mode": "required",
        },
        {"id": "fp", "kind": "prior_therapy", "drug_class": "fluoropyrimidine", "mode": "required"},
        {
            "id": "oxaliplatin",
            "kind": "prior_therapy",
            "drug_class": "platinum",
            "mode": "required",
        },
        {
            "id": "irinotecan",
            "kind": "prior_therapy",
            "drug_class": "irinotecan",
            "mode": "required",
        },
        {
            "id": "no_g12ci",
            "kind": "prior_therapy",
            "drug_class": "kras_g12c_inhibitor",
            "mode": "excluded",
        },
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {
            "id": "washout",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Au moins 3 semaines depuis le dernier traitement systémique; toxicités "
            "antérieures revenues au grade 1 ou moins",
            "text_en": "At least 3 weeks since the last systemic therapy; prior toxicities "
            "resolved to grade 1 or less",
            "may_change": True,
        },
    ],
    # ---- Uro-oncology ------------------------------------------------------
    # PROSTA-RT: high-risk localized prostate cancer, N0 M0 on PSMA PET.
    "NCT09502347": [
        {"id": "site", "kind": "tumour_site", "codes": ["PRAD"]},
        {"id": "stage", "kind": "stage", "allowed": ["IIC", "III"]},
        {
            "id": "high_risk",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Risque élevé selon le NCCN, N0 M0 à la TEP-PSMA",
            "text_en": "NCCN high risk, N0 M0 on PSMA PET",
        },
        {"id": "no_surgery", "kind": "prior_therapy", "drug_class": "surgery", "mode": "excluded"},
        {
            "id": "pelvic_rt",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Radiothérapie pelvienne antérieure",
            "text_en": "Prior pelvic radiotherapy",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # PSMA-ORBIT: PSMA radioligand before chemotherapy, mCRPC after one ARPI.
    "NCT09514683": [
        {"id": "site", "kind": "tumour_site", "codes": ["PRAD"]},
        {"id": "stage", "kind": "stage", "allowed": ["IV"]},
        {
            "id": "psma",
            "kind": "biomarker",
            "gene": "PSMA",
            "alteration": "POSITIVE",
            "mode": "required",
        },
        {
            "id": "psma_negative",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Lésion PSMA négative (discordance à la TEP-PSMA)",
            "text_en": "PSMA-negative lesion (discordance on PSMA PET)",
        },
        {
            "id": "adt",
            "kind": "prior_therapy",
            "drug_class": "androgen_deprivation",
            "mode": "required",
        },
        {
            "id": "arpi",
            "kind": "prior_therapy",
            "drug_class": "ar_pathway_inhibitor",
            "mode": "required",
        },
        {"id": "no_taxane", "kind": "prior_therapy", "drug_class": "taxane", "mode": "excluded"},
        {
            "id": "crpc",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Résistant à la castration (testostérone < 1,7 nmol/L) et en progression "
            "après un seul inhibiteur de la voie du récepteur des androgènes",
            "text_en": "Castration-resistant (testosterone < 1.7 nmol/L) and progressing after "
            "a single androgen receptor pathway inhibitor",
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # BLADDER-SPARE: trimodality bladder preservation, cT2-T4a N0 M0.
    "NCT09526019": [
        {"id": "site", "kind": "tumour_site", "codes": ["BLCA"]},
        {"id": "stage", "kind": "stage", "allowed": ["II", "IIIA"]},
        {
            "id": "trimodality",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "cT2-T4a N0 M0 après résection transurétrale maximale; candidat à une "
            "chimioradiothérapie concomitante",
            "text_en": "cT2-T4a N0 M0 after maximal TURBT; candidate for concurrent chemoradiation",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # FGFR-URO: FGFR3-altered advanced urothelial carcinoma after ≥ 1 line.
    "NCT09538452": [
        {"id": "site", "kind": "tumour_site", "codes": ["BLCA", "UTUC", "UCU"]},
        {"id": "stage", "kind": "stage", "allowed": ["III", "IV"]},
        # No alteration: a mutation or a fusion of FGFR3.
        {"id": "fgfr3", "kind": "biomarker", "gene": "FGFR3", "mode": "required"},
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {
            "id": "no_fgfri",
            "kind": "prior_therapy",
            "drug_class": "fgfr_inhibitor",
            "mode": "excluded",
        },
        {
            "id": "retina",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Choriorétinopathie séreuse centrale",
            "text_en": "Central serous retinopathy",
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ---- Pediatric ---------------------------------------------------------
    # KIDS-ALL-26: newly diagnosed NCI standard-risk B-ALL, age 1-9.
    "NCT09601583": [
        {"id": "site", "kind": "tumour_site", "codes": ["BLL"]},
        {"id": "age", "kind": "age", "min": 1, "max": 9},
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "nci_risk",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Risque standard du NCI (leucocytes < 50 × 10⁹/L au diagnostic)",
            "text_en": "NCI standard risk (white cell count < 50 × 10⁹/L at diagnosis)",
        },
        {
            "id": "prior",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Tout traitement antérieur autre que des corticostéroïdes ou une "
            "chimiothérapie intrathécale",
            "text_en": "Any prior therapy other than corticosteroids or intrathecal chemotherapy",
        },
    ],
    # NB-ALK: R/R high-risk ALK-altered neuroblastoma, age 1-21.
    "NCT09613926": [
        {"id": "site", "kind": "tumour_site", "codes": ["NBL"]},
        {"id": "age", "kind": "age", "min": 1, "max": 21},
        # No alteration: a mutation or an amplification of ALK.
        {"id": "alk", "kind": "biomarker", "gene": "ALK", "mode": "required"},
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {
            "id": "high_risk",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Neuroblastome de haut risque en rechute ou réfractaire",
            "text_en": "Relapsed or refractory high-risk neuroblastoma",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {
            "id": "performance",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Lansky (moins de 16 ans) ou Karnofsky (16 ans et plus) ≥ 60",
            "text_en": "Lansky (under 16) or Karnofsky (16 and over) ≥ 60",
            "may_change": True,
        },
    ],
    # PLGG-MEK: pediatric low-grade glioma with BRAF alteration, first systemic therapy.
    "NCT09625260": [
        {
            "id": "site",
            "kind": "tumour_site",
            "codes": ["PAST", "PMA", "PXA", "GNG", "PDIFLG", "LGGNOS"],
        },
        {"id": "age", "kind": "age", "min": 2, "max": 21},
        {"id": "braf", "kind": "biomarker", "gene": "BRAF", "mode": "required"},
        {
            "id": "braf_type",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Fusion KIAA1549-BRAF ou mutation BRAF V600E",
            "text_en": "KIAA1549-BRAF fusion or BRAF V600E mutation",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "oral",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Capable d'avaler des capsules ou de prendre une formulation liquide",
            "text_en": "Able to swallow capsules or take a liquid formulation",
        },
    ],
    # ---- Gynecology (starting up) ----------------------------------------
    # OVARIA-HRD: first-line maintenance, HRD-positive HGS/endometrioid ovarian cancer.
    "NCT09702615": [
        {"id": "site", "kind": "tumour_site", "codes": ["HGSOC", "HGSFT", "PSEC", "EOV"]},
        {"id": "stage", "kind": "stage", "allowed": ["III", "IV"]},
        {
            "id": "hrd",
            "kind": "biomarker",
            "gene": "HRD",
            "alteration": "POSITIVE",
            "mode": "required",
        },
        {"id": "platinum", "kind": "prior_therapy", "drug_class": "platinum", "mode": "required"},
        {"id": "lines", "kind": "prior_lines", "min": 1, "max": 1},
        {
            "id": "response",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Réponse complète ou partielle à la chimiothérapie de première ligne à "
            "base de platine; carcinome de haut grade",
            "text_en": "Complete or partial response to first-line platinum chemotherapy; "
            "high-grade carcinoma",
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ENDO-MMR: advanced or recurrent dMMR endometrial carcinoma, ≤ 1 prior line.
    "NCT09714948": [
        {"id": "site", "kind": "tumour_site", "codes": ["UCEC"]},
        {"id": "stage", "kind": "stage", "allowed": ["III", "IV", "RECURRENT"]},
        {
            "id": "dmmr",
            "kind": "biomarker",
            "gene": "MMR",
            "alteration": "DEFICIENT",
            "mode": "required",
        },
        {"id": "lines", "kind": "prior_lines", "max": 1},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {
            "id": "organ",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Fonctions médullaire, hépatique et rénale adéquates",
            "text_en": "Adequate bone marrow, liver and kidney function",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # CERVIX-LOCAL: FIGO 2018 IB3-IVA cervical cancer, chemoradiation + brachytherapy.
    "NCT09726371": [
        {"id": "site", "kind": "tumour_site", "codes": ["CESC", "CEAD", "CEAS"]},
        {"id": "stage", "kind": "stage", "allowed": ["IB", "II", "III", "IVA"]},
        {
            "id": "figo",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Stade FIGO 2018 IB3 à IVA (IB1 et IB2 non admissibles)",
            "text_en": "FIGO 2018 stage IB3 to IVA (IB1 and IB2 not eligible)",
        },
        {
            "id": "pelvic_rt",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Radiothérapie pelvienne antérieure",
            "text_en": "Prior pelvic radiotherapy",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ---- Neurology, radiology & gynecology --------------------------------
    # GLIO-IDH: IDH inhibitor vs surveillance after surgery, IDH-mutant grade 2 glioma.
    "NCT09803742": [
        # The OncoTree types are IDH-mutant by definition; IDH1 or IDH2 in the free text.
        {"id": "site", "kind": "tumour_site", "codes": ["ASTR2", "ODG2"]},
        {
            "id": "idh",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Grade 2 avec mutation IDH1 ou IDH2, traité par chirurgie seulement",
            "text_en": "Grade 2 with IDH1 or IDH2 mutation, treated with surgery only",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "no_rt",
            "kind": "prior_therapy",
            "drug_class": "radiotherapy_brain",
            "mode": "excluded",
        },
        {"id": "no_tmz", "kind": "prior_therapy", "drug_class": "temozolomide", "mode": "excluded"},
        {
            "id": "no_alkylator",
            "kind": "prior_therapy",
            "drug_class": "alkylating_other",
            "mode": "excluded",
        },
        {
            "id": "no_idhi",
            "kind": "prior_therapy",
            "drug_class": "idh_inhibitor",
            "mode": "excluded",
        },
        # Karnofsky ≥ 70.
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # BRAIN-SRS: SRS vs HA-WBRT for 5-15 brain metastases of a solid tumour.
    "NCT09815076": [
        {
            "id": "site",
            "kind": "tumour_site",
            "codes": [code for code in _SOLID_TISSUES if code != "BRAIN"],
        },
        {"id": "brain", "kind": "brain_metastases", "allowed": True, "required": True},
        {
            "id": "count",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "5 à 15 métastases cérébrales à l'IRM, la plus grande < 3 cm; survie "
            "attendue > 6 mois",
            "text_en": "5 to 15 brain metastases on MRI, largest < 3 cm; expected survival "
            "> 6 months",
        },
        {
            "id": "leptomeningeal",
            "kind": "free_text",
            "mode": "exclusion",
            "text_fr": "Atteinte leptoméningée",
            "text_en": "Leptomeningeal disease",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 2},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # MGMT-PRIME: oncolytic virus + re-irradiation, first recurrence of MGMT-unmethylated GB.
    "NCT09827410": [
        {"id": "site", "kind": "tumour_site", "codes": ["GB"]},
        {
            "id": "mgmt",
            "kind": "biomarker",
            "gene": "MGMT",
            "alteration": "METHYLATED",
            "mode": "excluded",
        },
        {"id": "idh1", "kind": "biomarker", "gene": "IDH1", "mode": "excluded"},
        {
            "id": "rt",
            "kind": "prior_therapy",
            "drug_class": "radiotherapy_brain",
            "mode": "required",
        },
        {"id": "tmz", "kind": "prior_therapy", "drug_class": "temozolomide", "mode": "required"},
        {"id": "lines", "kind": "prior_lines", "min": 1, "max": 1},
        {
            "id": "interval",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Au moins 6 mois depuis la fin de la chimioradiothérapie de première ligne",
            "text_en": "At least 6 months since the end of first-line chemoradiation",
            "may_change": True,
        },
        # Karnofsky ≥ 70.
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # ---- Melanoma ----------------------------------------------------------
    # MELA-NEO: neoadjuvant dual checkpoint blockade, resectable stage III melanoma.
    "NCT09904183": [
        {"id": "site", "kind": "tumour_site", "codes": list(_CUTANEOUS_MELANOMA)},
        {"id": "stage", "kind": "stage", "allowed": ["III"]},
        {
            "id": "nodes",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Résécable, avec atteinte ganglionnaire cliniquement décelable",
            "text_en": "Resectable, with clinically detectable nodal disease",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {
            "id": "no_pd1",
            "kind": "prior_therapy",
            "drug_class": "anti_pd1_pdl1",
            "mode": "excluded",
        },
        {"id": "no_ctla4", "kind": "prior_therapy", "drug_class": "anti_ctla4", "mode": "excluded"},
        {
            "id": "no_braf_mek",
            "kind": "prior_therapy",
            "drug_class": "braf_mek_inhibitor",
            "mode": "excluded",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
    ],
    # BRAF-SEQUENCE: first-line, unresectable BRAF V600E/K melanoma.
    "NCT09916527": [
        {"id": "site", "kind": "tumour_site", "codes": list(_CUTANEOUS_MELANOMA)},
        {"id": "stage", "kind": "stage", "allowed": ["III", "IV"]},
        {
            "id": "unresectable",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Maladie non résécable",
            "text_en": "Unresectable disease",
        },
        # V600 covers V600E and V600K.
        {
            "id": "braf",
            "kind": "biomarker",
            "gene": "BRAF",
            "alteration": "V600",
            "mode": "required",
        },
        {"id": "lines", "kind": "prior_lines", "max": 0},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {
            "id": "ldh",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "LDH ≤ 2 × la limite supérieure de la normale",
            "text_en": "LDH ≤ 2 × upper limit of normal",
            "may_change": True,
        },
        {"id": "age", "kind": "age", "min": 18},
    ],
    # UVEA-Q: HLA-A*02:01+ metastatic uveal melanoma after tebentafusp.
    "NCT09928864": [
        {"id": "site", "kind": "tumour_site", "codes": ["UM"]},
        {"id": "stage", "kind": "stage", "allowed": ["IV"]},
        {
            "id": "hla",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "HLA-A*02:01 positif",
            "text_en": "HLA-A*02:01 positive",
        },
        # Tebentafusp is in this class.
        {
            "id": "bispecific",
            "kind": "prior_therapy",
            "drug_class": "bispecific_antibody",
            "mode": "required",
        },
        {
            "id": "tebentafusp",
            "kind": "free_text",
            "mode": "inclusion",
            "text_fr": "Progression pendant ou après le tébentafusp",
            "text_en": "Progression on or after tebentafusp",
        },
        {"id": "lines", "kind": "prior_lines", "min": 1},
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "measurable", "kind": "measurable_disease", "required": True},
        {"id": "age", "kind": "age", "min": 18},
    ],
}
