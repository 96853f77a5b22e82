"""The demo network: regions, centres, communities, trials and users.

Pure data, loaded by ``referral_app.seeding.seed_demo`` (``flask seed-demo``).

- Regions are Quebec's official health regions (codes 01 to 18).
- Centres are real Quebec hospital institutions, but every e-mail address is
  fictional (``*.passerelle.test``).
- Communities follow the public Q-CROC text on its communities of practice; no
  real physician is named: leaders and members are invented demo users.
- Trials, NCT numbers (``NCT09`` + 6 digits), investigators and users are all
  FICTIONAL demo data.

Niche rule: a niche trial (``is_niche``) has at most one ``recruiting`` site per
region; the database enforces it, so keep it true when editing the trials below.
"""

from __future__ import annotations

from typing import Any

# Password of every demo user: for the local demo only, never for a real deployment.
DEMO_PASSWORD = "demo-passerelle-2026"  # noqa: S105 (local demo only)

# --------------------------------------------------------------------------
# Regions: (official code, name)
# --------------------------------------------------------------------------

REGIONS: list[tuple[str, str]] = [
    ("01", "Bas-Saint-Laurent"),
    ("02", "Saguenay–Lac-Saint-Jean"),
    ("03", "Capitale-Nationale"),
    ("04", "Mauricie et Centre-du-Québec"),
    ("05", "Estrie"),
    ("06", "Montréal"),
    ("07", "Outaouais"),
    ("08", "Abitibi-Témiscamingue"),
    ("09", "Côte-Nord"),
    ("10", "Nord-du-Québec"),
    ("11", "Gaspésie–Îles-de-la-Madeleine"),
    ("12", "Chaudière-Appalaches"),
    ("13", "Laval"),
    ("14", "Lanaudière"),
    ("15", "Laurentides"),
    ("16", "Montérégie"),
    ("17", "Nunavik"),
    ("18", "Terres-Cries-de-la-Baie-James"),
]

# --------------------------------------------------------------------------
# Centres: real institutions, fictional intake addresses
# --------------------------------------------------------------------------

CENTRES: list[dict[str, str]] = [
    {
        "name": "Centre hospitalier de l'Université de Montréal",
        "short_name": "CHUM",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@chum.passerelle.test",
    },
    {
        "name": "CHU Sainte-Justine",
        "short_name": "CHUSJ",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@chusj.passerelle.test",
    },
    {
        "name": "Montreal Children's Hospital",
        "short_name": "MCH",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@mch.passerelle.test",
    },
    {
        "name": "Jewish General Hospital",
        "short_name": "JGH",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@jgh.passerelle.test",
    },
    {
        "name": "Centre universitaire de santé McGill – Site Glen (Hôpital Royal Victoria)",
        "short_name": "CUSM",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@cusm.passerelle.test",
    },
    {
        "name": "Hôpital Maisonneuve-Rosemont",
        "short_name": "HMR",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@hmr.passerelle.test",
    },
    {
        "name": "Hôpital du Sacré-Cœur de Montréal",
        "short_name": "HSCM",
        "city": "Montréal",
        "region_code": "06",
        "intake_email": "intake@hscm.passerelle.test",
    },
    {
        "name": "CHU de Québec – Université Laval",
        "short_name": "CHU de Québec",
        "city": "Québec",
        "region_code": "03",
        "intake_email": "intake@chudequebec.passerelle.test",
    },
    {
        "name": "Institut universitaire de cardiologie et de pneumologie de Québec",
        "short_name": "IUCPQ",
        "city": "Québec",
        "region_code": "03",
        "intake_email": "intake@iucpq.passerelle.test",
    },
    {
        "name": "CIUSSS de l'Estrie – CHUS",
        "short_name": "CHUS",
        "city": "Sherbrooke",
        "region_code": "05",
        "intake_email": "intake@chus.passerelle.test",
    },
    {
        "name": "Hôpital Charles-Le Moyne",
        "short_name": "HCLM",
        "city": "Longueuil",
        "region_code": "16",
        "intake_email": "intake@hclm.passerelle.test",
    },
    {
        "name": "Hôpital Pierre-Boucher",
        "short_name": "HPB",
        "city": "Longueuil",
        "region_code": "16",
        "intake_email": "intake@hpb.passerelle.test",
    },
    {
        "name": "Hôpital de la Cité-de-la-Santé",
        "short_name": "CSL",
        "city": "Laval",
        "region_code": "13",
        "intake_email": "intake@csl.passerelle.test",
    },
    {
        "name": "CHU de Trois-Rivières (CIUSSS de la Mauricie-et-du-Centre-du-Québec)",
        "short_name": "CHAUR",
        "city": "Trois-Rivières",
        "region_code": "04",
        "intake_email": "intake@chaur.passerelle.test",
    },
    {
        "name": "Hôpital de Chicoutimi (CIUSSS du Saguenay–Lac-Saint-Jean)",
        "short_name": "Chicoutimi",
        "city": "Saguenay",
        "region_code": "02",
        "intake_email": "intake@chicoutimi.passerelle.test",
    },
    {
        "name": "Hôpital de Gatineau (CISSS de l'Outaouais)",
        "short_name": "Gatineau",
        "city": "Gatineau",
        "region_code": "07",
        "intake_email": "intake@gatineau.passerelle.test",
    },
    {
        "name": "Hôtel-Dieu de Lévis (CISSS de Chaudière-Appalaches)",
        "short_name": "HDL",
        "city": "Lévis",
        "region_code": "12",
        "intake_email": "intake@hdl.passerelle.test",
    },
    {
        "name": "Hôpital régional de Rimouski (CISSS du Bas-Saint-Laurent)",
        "short_name": "Rimouski",
        "city": "Rimouski",
        "region_code": "01",
        "intake_email": "intake@rimouski.passerelle.test",
    },
    {
        "name": "Hôpital Pierre-Le Gardeur (CISSS de Lanaudière)",
        "short_name": "HPLG",
        "city": "Terrebonne",
        "region_code": "14",
        "intake_email": "intake@hplg.passerelle.test",
    },
    {
        "name": "Hôpital régional de Saint-Jérôme (CISSS des Laurentides)",
        "short_name": "St-Jérôme",
        "city": "Saint-Jérôme",
        "region_code": "15",
        "intake_email": "intake@st-jerome.passerelle.test",
    },
    {
        "name": "Hôpital de Rouyn-Noranda (CISSS de l'Abitibi-Témiscamingue)",
        "short_name": "Rouyn",
        "city": "Rouyn-Noranda",
        "region_code": "08",
        "intake_email": "intake@rouyn.passerelle.test",
    },
    {
        "name": "Hôpital de Sept-Îles (CISSS de la Côte-Nord)",
        "short_name": "Sept-Îles",
        "city": "Sept-Îles",
        "region_code": "09",
        "intake_email": "intake@sept-iles.passerelle.test",
    },
]

# --------------------------------------------------------------------------
# Communities of practice
# --------------------------------------------------------------------------

# The network goals, shared by every community (public seed text, translated for FR).
_GOALS_FR = [
    "Répartir géographiquement les essais de niche, avec un seul centre recruteur par région",
    "Mettre en place un système efficace de référence des patients entre les centres",
    "Informer rapidement tous les centres des essais en cours et à venir",
    "Accroître la visibilité de la communauté auprès des promoteurs d'essais",
]
_GOALS_EN = [
    "Distribute niche trials geographically, with a single recruiting centre per region",
    "Establish an effective system for referring patients between centres",
    "Quickly inform all centres of ongoing and upcoming trials",
    "Increase the community's visibility among trial sponsors",
]


def _goals(own: list[str], network: list[str]) -> str:
    """A community's own goals first, then the network goals, one per line."""
    return "\n".join([*own, *network])


COMMUNITIES: list[dict[str, Any]] = [
    {
        "slug": "thoracic",
        "name_fr": "RÉSOT – Communauté de pratique en oncologie thoracique",
        "name_en": "RÉSOT – Thoracic Oncology Community of Practice",
        "tumour_sites": "lung, mesothelioma, thymus",
        "launched_on": "2018-01-01",  # the text gives the year only (2018)
        "partner": None,
        "description_fr": (
            "Lancé en 2018, le RÉSOT est la première communauté de pratique mise sur pied "
            "par le Q-CROC. Il réunit des médecins, des infirmières et des coordonnateurs "
            "de recherche de centres hospitaliers de tout le Québec."
        ),
        "description_en": (
            "Launched in 2018, RÉSOT was the first community of practice set up by Q-CROC. "
            "It brings together physicians, nurses and research coordinators of hospital "
            "centres across Quebec."
        ),
        "goals_fr": _goals([], _GOALS_FR),
        "goals_en": _goals([], _GOALS_EN),
        "member_centres": [
            "CHUM",
            "JGH",
            "CUSM",
            "HMR",
            "HSCM",
            "IUCPQ",
            "CHUS",
            "HCLM",
            "HPB",
            "CSL",
            "CHAUR",
            "Chicoutimi",
            "Gatineau",
            "HDL",
            "Rimouski",
            "HPLG",
        ],
    },
    {
        "slug": "pediatric",
        "name_fr": "Communauté de pratique en oncologie pédiatrique",
        "name_en": "Pediatric Oncology Community of Practice",
        "tumour_sites": "leukemia, lymphoma, CNS tumours, solid tumours",
        "launched_on": None,  # the text gives no launch date
        "partner": None,
        "description_fr": (
            "Cette communauté réunit des professionnels des quatre établissements pédiatriques "
            "du Québec : le CHU Sainte-Justine, l'Hôpital de Montréal pour enfants, le CHU de "
            "Québec – Université Laval et le CIUSSS de l'Estrie – CHUS. Son objectif principal "
            "est d'optimiser les communications entre les centres pédiatriques de la province."
        ),
        "description_en": (
            "This community brings together professionals from Quebec's four pediatric "
            "healthcare institutions: CHU Sainte-Justine, the Montreal Children's Hospital, "
            "CHU de Québec – Université Laval and CIUSSS de l'Estrie – CHUS. Its main objective "
            "is to optimize communications across the province's pediatric centres."
        ),
        "goals_fr": _goals(
            ["Optimiser les communications entre les centres pédiatriques de la province"],
            _GOALS_FR,
        ),
        "goals_en": _goals(
            ["Optimize communications across the province's pediatric centres"], _GOALS_EN
        ),
        "member_centres": ["CHUSJ", "MCH", "CHU de Québec", "CHUS"],
    },
    {
        # The seed text does not name this community's tumour site: it says only that it
        # was launched in winter 2022 (about 30 physicians, 11 centres) and is led from
        # the CHUM. It is shown here as the uro-oncology community.
        "slug": "uro-oncology",
        "name_fr": "Communauté de pratique en uro-oncologie",
        "name_en": "Uro-Oncology Community of Practice",
        "tumour_sites": "prostate, bladder, kidney, testis",
        "launched_on": "2022-02-01",  # "winter of 2022"
        "partner": None,
        "description_fr": (
            "Lancée à l'hiver 2022, cette communauté réunit des médecins de centres de tout "
            "le Québec. Elle permet notamment d'optimiser le recrutement et la référence de "
            "patients entre les hôpitaux."
        ),
        "description_en": (
            "Launched in the winter of 2022, this community brings together physicians "
            "from centres across Quebec. Among other things, it optimizes recruitment and "
            "the referral of patients between hospitals."
        ),
        "goals_fr": _goals(
            ["Optimiser le recrutement et la référence de patients entre les hôpitaux"],
            _GOALS_FR,
        ),
        "goals_en": _goals(
            ["Optimize recruitment and the referral of patients between hospitals"], _GOALS_EN
        ),
        "member_centres": [
            "CHUM",
            "JGH",
            "CUSM",
            "HMR",
            "CHU de Québec",
            "CHUS",
            "HCLM",
            "CSL",
            "CHAUR",
            "HDL",
            "Gatineau",
        ],
    },
    {
        "slug": "hemato-oncology",
        "name_fr": "Communauté de pratique en hémato-oncologie",
        "name_en": "Hemato-Oncology Community of Practice",
        "tumour_sites": "AML, MDS, lymphoma, myeloma",
        "launched_on": "2020-01-01",  # the text gives the year only (2020)
        "partner": None,
        "description_fr": (
            "Lancée en 2020, la communauté de pratique en hémato-oncologie s'appuie sur des "
            "professionnels de sept établissements de santé du Québec. Son objectif principal "
            "est d'optimiser la norme de soins en hémato-oncologie et de favoriser l'ouverture "
            "d'essais cliniques de niche dans la leucémie myéloïde aiguë (LMA) et les "
            "syndromes myélodysplasiques (SMD)."
        ),
        "description_en": (
            "Launched in 2020, the Hemato-Oncology Community of Practice relies on "
            "professionals from seven healthcare institutions across Quebec. Its main goal is "
            "to optimize the standard of care in hemato-oncology and to promote the launch of "
            "niche clinical trials in acute myeloid leukemia (AML) and myelodysplastic "
            "syndromes (MDS)."
        ),
        "goals_fr": _goals(
            [
                "Optimiser la norme de soins en hémato-oncologie",
                "Favoriser l'ouverture d'essais de niche dans la LMA et les SMD",
            ],
            _GOALS_FR,
        ),
        "goals_en": _goals(
            [
                "Optimize the standard of care in hemato-oncology",
                "Promote the launch of niche clinical trials in AML and MDS",
            ],
            _GOALS_EN,
        ),
        "member_centres": ["JGH", "HMR", "CHUM", "CUSM", "CHU de Québec", "CHUS", "HCLM"],
    },
    {
        "slug": "colorectal",
        "name_fr": "Communauté de pratique en cancer colorectal",
        "name_en": "Colorectal Cancer Community of Practice",
        "tumour_sites": "colon, rectum",
        "launched_on": "2020-10-01",  # "fall of 2020"
        "partner": "Colorectal Cancer Canada",
        "description_fr": (
            "Lancée à l'automne 2020 en collaboration avec Cancer colorectal Canada, cette "
            "communauté de pratique réunit déjà des représentants d'une douzaine de centres."
        ),
        "description_en": (
            "Launched in the fall of 2020 in collaboration with Colorectal Cancer Canada, "
            "this community of practice already involves representatives from a dozen centres."
        ),
        "goals_fr": _goals([], _GOALS_FR),
        "goals_en": _goals([], _GOALS_EN),
        "member_centres": [
            "CHUM",
            "JGH",
            "CUSM",
            "HMR",
            "HSCM",
            "HCLM",
            "CSL",
            "CHU de Québec",
            "CHUS",
            "CHAUR",
            "Chicoutimi",
            "Gatineau",
        ],
    },
    {
        "slug": "gynecology",
        "name_fr": "Communauté de pratique en gynéco-oncologie",
        "name_en": "Gynecologic Oncology Community of Practice",
        "tumour_sites": "ovary, endometrium, cervix, vulva",
        "launched_on": None,  # "starting up": not launched yet
        "partner": None,
        "description_fr": (
            "Une communauté de pratique en gynécologie est en démarrage. Elle aura pour but de "
            "discuter des essais cliniques à venir et d'augmenter le nombre d'essais offerts. "
            "Les médecins intéressés sont invités à communiquer avec le réseau pour se joindre "
            "au groupe."
        ),
        "description_en": (
            "A community of practice in gynecology is starting up. Its purpose will be to "
            "discuss upcoming clinical trials and to increase the number of available trials. "
            "Interested physicians are invited to contact the network to join the group."
        ),
        "goals_fr": _goals(
            [
                "Discuter des essais cliniques à venir",
                "Augmenter le nombre d'essais offerts",
            ],
            _GOALS_FR,
        ),
        "goals_en": _goals(
            [
                "Discuss upcoming clinical trials",
                "Increase the number of available trials",
            ],
            _GOALS_EN,
        ),
        "member_centres": [
            "CHUM",
            "JGH",
            "CUSM",
            "HMR",
            "CHU de Québec",
            "CHUS",
            "HCLM",
            "CHAUR",
        ],
    },
    {
        "slug": "neuro-radiology-gynecology",
        "name_fr": "Communauté de pratique en neurologie, radiologie et gynécologie",
        "name_en": "Neurology, Radiology and Gynecology Community of Practice",
        "tumour_sites": "brain, central nervous system, brain metastases, gynecologic",
        "launched_on": "2023-12-01",  # "end of 2023"
        "partner": None,
        "description_fr": (
            "Lancée à la fin de 2023, la communauté de pratique en neurologie, radiologie et "
            "gynécologie vise à augmenter le nombre d'essais cliniques et à faciliter "
            "l'ouverture de nouveaux essais."
        ),
        "description_en": (
            "Launched at the end of 2023, the community of practice in neurology, radiology "
            "and gynecology aims to increase the number of clinical trials and to facilitate "
            "the opening of new ones."
        ),
        "goals_fr": _goals(
            [
                "Augmenter le nombre d'essais cliniques",
                "Faciliter l'ouverture de nouveaux essais",
            ],
            _GOALS_FR,
        ),
        "goals_en": _goals(
            [
                "Increase the number of clinical trials",
                "Facilitate the opening of new clinical trials",
            ],
            _GOALS_EN,
        ),
        "member_centres": ["CHUM", "JGH", "CUSM", "HMR", "CHU de Québec", "CHUS", "HCLM", "CHAUR"],
    },
    {
        "slug": "melanoma",
        "name_fr": "Communauté de pratique en mélanome",
        "name_en": "Melanoma Community of Practice",
        "tumour_sites": "cutaneous melanoma, uveal melanoma, mucosal melanoma",
        "launched_on": "2023-01-01",  # the text gives the year only (2023)
        "partner": None,
        "description_fr": (
            "Lancée en 2023, la communauté de pratique en mélanome s'appuie sur l'engagement "
            "d'une trentaine de professionnels de partout au Québec."
        ),
        "description_en": (
            "Launched in 2023, the Melanoma Community of Practice relies on the involvement "
            "of about 30 professionals across Quebec."
        ),
        "goals_fr": _goals([], _GOALS_FR),
        "goals_en": _goals([], _GOALS_EN),
        "member_centres": [
            "CHUM",
            "JGH",
            "CUSM",
            "HMR",
            "CHU de Québec",
            "CHUS",
            "HCLM",
            "CSL",
            "Gatineau",
        ],
    },
]

# --------------------------------------------------------------------------
# Users (fictional people)
# --------------------------------------------------------------------------

_ALL = [
    "thoracic",
    "pediatric",
    "uro-oncology",
    "hemato-oncology",
    "colorectal",
    "gynecology",
    "neuro-radiology-gynecology",
    "melanoma",
]
_CHUM = [
    "thoracic",
    "uro-oncology",
    "hemato-oncology",
    "colorectal",
    "gynecology",
    "neuro-radiology-gynecology",
    "melanoma",
]
_JGH = _CHUM
_HCLM = _CHUM
_CHUQ = _ALL[1:]  # CHU de Québec: every community but thoracic (IUCPQ covers it)
_CHUS = _ALL


def _user(
    email: str,
    name: str,
    role: str,
    centre: str,
    communities: list[str],
    *,
    language: str = "fr",
    leader_of: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "email": email,
        "name": name,
        "role": role,
        "centre": centre,
        "language": language,
        "communities": list(communities),
        "leader_of": list(leader_of or []),
    }


USERS: list[dict[str, Any]] = [
    # Network staff (admins belong to a centre too).
    _user("admin@passerelle.test", "Équipe Passerelle", "admin", "CHUM", []),
    # CHUM
    _user("elodie.marchand@chum.passerelle.test", "Élodie Marchand", "coordinator", "CHUM", _CHUM),
    _user("sophie.bergevin@chum.passerelle.test", "Sophie Bergevin", "nurse", "CHUM", _CHUM),
    _user(
        "olivier.dufresne-menard@chum.passerelle.test",
        "Olivier Dufresne-Ménard",
        "physician",
        "CHUM",
        ["uro-oncology", "neuro-radiology-gynecology", "gynecology"],
        leader_of=["uro-oncology", "neuro-radiology-gynecology"],
    ),
    _user(
        "isabelle.charbonneau@chum.passerelle.test",
        "Isabelle Charbonneau-Vézina",
        "physician",
        "CHUM",
        ["colorectal"],
        leader_of=["colorectal"],
    ),
    _user(
        "helene.ducharme@chum.passerelle.test",
        "Hélène Ducharme-Pilon",
        "physician",
        "CHUM",
        ["melanoma"],
        leader_of=["melanoma"],
    ),
    _user(
        "etienne.rousseau@chum.passerelle.test",
        "Étienne Rousseau-Vachon",
        "physician",
        "CHUM",
        ["thoracic"],
    ),
    _user("luc.beauregard@chum.passerelle.test", "Luc Beauregard", "manager", "CHUM", []),
    # Jewish General Hospital
    _user(
        "rachel.goldfarb@jgh.passerelle.test",
        "Rachel Goldfarb",
        "coordinator",
        "JGH",
        _JGH,
        language="en",
    ),
    _user("nadia.haddad@jgh.passerelle.test", "Nadia Haddad", "nurse", "JGH", _JGH),
    _user(
        "miriam.adler@jgh.passerelle.test",
        "Miriam Adler-Côté",
        "physician",
        "JGH",
        ["hemato-oncology"],
        language="en",
        leader_of=["hemato-oncology"],
    ),
    _user(
        "samuel.brenner@jgh.passerelle.test",
        "Samuel Brenner",
        "physician",
        "JGH",
        ["thoracic", "melanoma"],
        language="en",
    ),
    _user(
        "jonathan.hersh@jgh.passerelle.test", "Jonathan Hersh", "manager", "JGH", [], language="en"
    ),
    # Hôpital Charles-Le Moyne
    _user(
        "valerie.gosselin@hclm.passerelle.test", "Valérie Gosselin", "coordinator", "HCLM", _HCLM
    ),
    _user("annie.thibodeau@hclm.passerelle.test", "Annie Thibodeau", "nurse", "HCLM", _HCLM),
    _user(
        "catherine.aubertin@hclm.passerelle.test",
        "Catherine Aubertin",
        "physician",
        "HCLM",
        ["thoracic"],
        leader_of=["thoracic"],
    ),
    _user(
        "jerome.plante@hclm.passerelle.test", "Jérôme Plante", "physician", "HCLM", ["colorectal"]
    ),
    _user("martin.paquin@hclm.passerelle.test", "Martin Paquin", "manager", "HCLM", []),
    # CHU de Québec – Université Laval
    _user(
        "genevieve.turcotte@chudequebec.passerelle.test",
        "Geneviève Turcotte",
        "coordinator",
        "CHU de Québec",
        _CHUQ,
    ),
    _user(
        "marie-eve.labrecque@chudequebec.passerelle.test",
        "Marie-Ève Labrecque",
        "nurse",
        "CHU de Québec",
        _CHUQ,
    ),
    _user(
        "francois.belanger-roy@chudequebec.passerelle.test",
        "François Bélanger-Roy",
        "physician",
        "CHU de Québec",
        ["gynecology", "neuro-radiology-gynecology"],
        leader_of=["gynecology"],
    ),
    _user(
        "marc-olivier.giroux@chudequebec.passerelle.test",
        "Marc-Olivier Giroux",
        "physician",
        "CHU de Québec",
        ["hemato-oncology", "uro-oncology"],
    ),
    _user(
        "pascale.drouin@chudequebec.passerelle.test",
        "Pascale Drouin",
        "manager",
        "CHU de Québec",
        [],
    ),
    # CIUSSS de l'Estrie – CHUS
    _user("julie.fontaine@chus.passerelle.test", "Julie Fontaine", "coordinator", "CHUS", _CHUS),
    _user("stephanie.roberge@chus.passerelle.test", "Stéphanie Roberge", "nurse", "CHUS", _CHUS),
    _user(
        "alexandre.brisson@chus.passerelle.test",
        "Alexandre Brisson",
        "physician",
        "CHUS",
        ["thoracic", "hemato-oncology", "pediatric"],
    ),
    _user("chantal.morissette@chus.passerelle.test", "Chantal Morissette", "manager", "CHUS", []),
    # Pediatric centres
    _user(
        "audrey.bissonnette@chusj.passerelle.test",
        "Audrey Bissonnette",
        "coordinator",
        "CHUSJ",
        ["pediatric"],
    ),
    _user("melanie.cyr@chusj.passerelle.test", "Mélanie Cyr", "nurse", "CHUSJ", ["pediatric"]),
    _user(
        "simon.laberge-caron@chusj.passerelle.test",
        "Simon Laberge-Caron",
        "physician",
        "CHUSJ",
        ["pediatric"],
        leader_of=["pediatric"],
    ),
    _user(
        "emily.sinclair@mch.passerelle.test",
        "Emily Sinclair",
        "coordinator",
        "MCH",
        ["pediatric"],
        language="en",
    ),
    _user(
        "andrew.macleod@mch.passerelle.test",
        "Andrew MacLeod",
        "physician",
        "MCH",
        ["pediatric"],
        language="en",
    ),
    # Other Montréal centres
    _user(
        "laura.pimentel@cusm.passerelle.test",
        "Laura Pimentel",
        "coordinator",
        "CUSM",
        _CHUM,
        language="en",
    ),
    _user(
        "thomas.whitfield@cusm.passerelle.test",
        "Thomas Whitfield",
        "physician",
        "CUSM",
        ["colorectal", "neuro-radiology-gynecology"],
        language="en",
    ),
    _user("maxime.beaulac@hmr.passerelle.test", "Maxime Beaulac", "coordinator", "HMR", _CHUM),
    _user(
        "claire.desrosiers@hmr.passerelle.test",
        "Claire Desrosiers",
        "physician",
        "HMR",
        ["hemato-oncology"],
    ),
    _user(
        "benoit.archambault@hscm.passerelle.test",
        "Benoît Archambault",
        "coordinator",
        "HSCM",
        ["thoracic", "colorectal"],
    ),
    # Other regions
    _user(
        "guillaume.lemieux@iucpq.passerelle.test",
        "Guillaume Lemieux",
        "coordinator",
        "IUCPQ",
        ["thoracic"],
    ),
    _user("hugo.lacasse@iucpq.passerelle.test", "Hugo Lacasse", "physician", "IUCPQ", ["thoracic"]),
    _user(
        "josee.lachapelle@hpb.passerelle.test",
        "Josée Lachapelle",
        "coordinator",
        "HPB",
        ["thoracic"],
    ),
    _user(
        "caroline.vachon@csl.passerelle.test",
        "Caroline Vachon",
        "coordinator",
        "CSL",
        ["thoracic", "uro-oncology", "colorectal", "melanoma"],
    ),
    _user(
        "patrick.trottier@chaur.passerelle.test",
        "Patrick Trottier",
        "coordinator",
        "CHAUR",
        ["thoracic", "uro-oncology", "colorectal", "neuro-radiology-gynecology"],
    ),
    _user(
        "mylene.harvey@chicoutimi.passerelle.test",
        "Mylène Harvey",
        "coordinator",
        "Chicoutimi",
        ["thoracic", "colorectal"],
    ),
    _user(
        "kevin.larocque@gatineau.passerelle.test",
        "Kevin Larocque",
        "coordinator",
        "Gatineau",
        ["thoracic", "uro-oncology", "colorectal", "melanoma"],
        language="en",
    ),
    _user(
        "sandra.giguere@hdl.passerelle.test",
        "Sandra Giguère",
        "coordinator",
        "HDL",
        ["thoracic", "uro-oncology"],
    ),
    _user(
        "emilie.ouellet@rimouski.passerelle.test",
        "Émilie Ouellet",
        "coordinator",
        "Rimouski",
        ["thoracic"],
    ),
    _user(
        "jessica.rivest@hplg.passerelle.test", "Jessica Rivest", "coordinator", "HPLG", ["thoracic"]
    ),
    _user(
        "marc-andre.forget@st-jerome.passerelle.test",
        "Marc-André Forget",
        "coordinator",
        "St-Jérôme",
        [],
    ),
    _user("noemie.bedard@rouyn.passerelle.test", "Noémie Bédard", "coordinator", "Rouyn", []),
]

# Who to print after seeding: one login per role of the README's walk-through
# (a referral from the CHUM to the JGH), as (what to try, e-mail). All use DEMO_PASSWORD.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("coordinator, CHUM (refers)", "elodie.marchand@chum.passerelle.test"),
    ("nurse, CHUM", "sophie.bergevin@chum.passerelle.test"),
    ("coordinator, JGH (receives)", "rachel.goldfarb@jgh.passerelle.test"),
    ("nurse, JGH", "nadia.haddad@jgh.passerelle.test"),
    ("manager, CHUM (reports)", "luc.beauregard@chum.passerelle.test"),
    ("leader, RÉSOT (HCLM)", "catherine.aubertin@hclm.passerelle.test"),
    ("coordinator, CHUS (3rd centre)", "julie.fontaine@chus.passerelle.test"),
    ("network admin", "admin@passerelle.test"),
]

# --------------------------------------------------------------------------
# Trials (all FICTIONAL) and their sites
# --------------------------------------------------------------------------

# Intake contacts of a site: the coordinators and nurses of its centre.
SITE_INTAKE: dict[str, list[str]] = {
    "CHUM": ["elodie.marchand@chum.passerelle.test", "sophie.bergevin@chum.passerelle.test"],
    "JGH": ["rachel.goldfarb@jgh.passerelle.test", "nadia.haddad@jgh.passerelle.test"],
    "HCLM": ["valerie.gosselin@hclm.passerelle.test", "annie.thibodeau@hclm.passerelle.test"],
    "CHU de Québec": [
        "genevieve.turcotte@chudequebec.passerelle.test",
        "marie-eve.labrecque@chudequebec.passerelle.test",
    ],
    "CHUS": ["julie.fontaine@chus.passerelle.test", "stephanie.roberge@chus.passerelle.test"],
    "CHUSJ": ["audrey.bissonnette@chusj.passerelle.test", "melanie.cyr@chusj.passerelle.test"],
    "MCH": ["emily.sinclair@mch.passerelle.test"],
    "CUSM": ["laura.pimentel@cusm.passerelle.test"],
    "HMR": ["maxime.beaulac@hmr.passerelle.test"],
    "HSCM": ["benoit.archambault@hscm.passerelle.test"],
    "IUCPQ": ["guillaume.lemieux@iucpq.passerelle.test"],
    "HPB": ["josee.lachapelle@hpb.passerelle.test"],
    "CSL": ["caroline.vachon@csl.passerelle.test"],
    "CHAUR": ["patrick.trottier@chaur.passerelle.test"],
    "Chicoutimi": ["mylene.harvey@chicoutimi.passerelle.test"],
    "Gatineau": ["kevin.larocque@gatineau.passerelle.test"],
    "HDL": ["sandra.giguere@hdl.passerelle.test"],
    "Rimouski": ["emilie.ouellet@rimouski.passerelle.test"],
    "HPLG": ["jessica.rivest@hplg.passerelle.test"],
}


def _site(centre: str, status: str, investigator: str) -> dict[str, Any]:
    return {
        "centre": centre,
        "status": status,
        "investigator_name": investigator,
        "intake": list(SITE_INTAKE.get(centre, [])),
    }


REC, UPC, CLO = "recruiting", "upcoming", "closed"


def _trial(
    nct_number: str,
    acronym: str,
    title: str,
    *,
    sponsor: str,
    phase: str,
    community: str,
    tumour_site: str,
    biomarkers: str,
    eligibility: list[str],
    is_niche: bool,
    status: str,
    sites: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "nct_number": nct_number,
        "acronym": acronym,
        "title": title,
        "sponsor": sponsor,
        "phase": phase,
        "community": community,
        "tumour_site": tumour_site,
        "biomarkers": biomarkers,
        "eligibility_summary": "\n".join(eligibility),
        "is_niche": is_niche,
        "status": status,
        "sites": sites,
    }


TRIALS: list[dict[str, Any]] = [
    # ---- Thoracic (RÉSOT) ------------------------------------------------
    _trial(
        "NCT09184532",
        "HORIZON-LUNG",
        "A Randomized Phase III Trial of Osimertinib With or Without Platinum-Pemetrexed "
        "in Untreated EGFR-Mutant Advanced Non-Small Cell Lung Cancer",
        sponsor="Canadian Cancer Trials Group",
        phase="phase3",
        community="thoracic",
        tumour_site="Non-Small Cell Lung Cancer",
        biomarkers="EGFR ex19del/L858R",
        eligibility=[
            "Stage IIIB-IV non-squamous NSCLC, no prior systemic therapy",
            "EGFR exon 19 deletion or L858R on tissue or plasma",
            "ECOG 0-1; stable treated brain metastases allowed",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Étienne Rousseau-Vachon"),
            _site("JGH", REC, "Dr Samuel Brenner"),
            _site("CUSM", REC, "Dr Thomas Whitfield"),
            _site("HCLM", REC, "Dr Catherine Aubertin"),
            _site("IUCPQ", REC, "Dr Hugo Lacasse"),
            _site("CHUS", REC, "Dr Alexandre Brisson"),
            _site("CHAUR", UPC, "Dr Denis Lamothe"),
        ],
    ),
    _trial(
        "NCT09203317",
        "GLACIER-12C",
        "A Phase II Study of BRL-4127, an Oral KRAS G12C Inhibitor, in Previously Treated "
        "Advanced Non-Small Cell Lung Cancer",
        sponsor="Borealis Oncology",
        phase="phase2",
        community="thoracic",
        tumour_site="Non-Small Cell Lung Cancer",
        biomarkers="KRAS G12C",
        eligibility=[
            "Advanced NSCLC with KRAS G12C, after immunotherapy and platinum chemotherapy",
            "No prior KRAS G12C inhibitor",
            "ECOG 0-1, measurable disease (RECIST 1.1)",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Étienne Rousseau-Vachon"),
            _site("HMR", REC, "Dr Vincent Poulin"),
            _site("HCLM", REC, "Dr Catherine Aubertin"),
            _site("IUCPQ", REC, "Dr Hugo Lacasse"),
            _site("Chicoutimi", REC, "Dr Sébastien Girard"),
        ],
    ),
    _trial(
        "NCT09215840",
        "RET-QUEST",
        "A Phase I/II Study of AUR-208, a Selective RET Inhibitor, in RET Fusion-Positive "
        "Solid Tumours Including Non-Small Cell Lung Cancer",
        sponsor="Aurora Genomics",
        phase="phase1_2",
        community="thoracic",
        tumour_site="Non-Small Cell Lung Cancer",
        biomarkers="RET fusion",
        eligibility=[
            "RET fusion confirmed by NGS (tissue or plasma)",
            "Progression on or intolerance to a prior selective RET inhibitor allowed",
            "ECOG 0-2, adequate organ function",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Étienne Rousseau-Vachon"),
            _site("JGH", UPC, "Dr Samuel Brenner"),
            _site("IUCPQ", REC, "Dr Hugo Lacasse"),
            _site("CHUS", REC, "Dr Alexandre Brisson"),
        ],
    ),
    _trial(
        "NCT09227761",
        "ALTITUDE-ALK",
        "A Phase II Study of LTB-330 in ALK-Positive Non-Small Cell Lung Cancer After "
        "Progression on a Third-Generation ALK Inhibitor",
        sponsor="Laurentide Biotherapeutics",
        phase="phase2",
        community="thoracic",
        tumour_site="Non-Small Cell Lung Cancer",
        biomarkers="ALK rearrangement",
        eligibility=[
            "ALK-rearranged advanced NSCLC progressing on lorlatinib",
            "Biopsy at progression required (resistance mutation testing)",
            "ECOG 0-1",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("JGH", REC, "Dr Samuel Brenner"),
            _site("CHUM", CLO, "Dr Étienne Rousseau-Vachon"),
            _site("HCLM", REC, "Dr Catherine Aubertin"),
            _site("IUCPQ", REC, "Dr Hugo Lacasse"),
        ],
    ),
    _trial(
        "NCT09239054",
        "SENTINEL-SCLC",
        "A Randomized Phase III Trial of Consolidative Thoracic Radiotherapy After "
        "Chemo-Immunotherapy in Extensive-Stage Small Cell Lung Cancer",
        sponsor="Canadian Cancer Trials Group",
        phase="phase3",
        community="thoracic",
        tumour_site="Small Cell Lung Cancer",
        biomarkers="",
        eligibility=[
            "Extensive-stage SCLC with response after 4 cycles of chemo-immunotherapy",
            "No progressive brain metastases",
            "ECOG 0-2",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Étienne Rousseau-Vachon"),
            _site("HMR", REC, "Dr Vincent Poulin"),
            _site("HSCM", REC, "Dr Yannick Côté-Brunet"),
            _site("HPB", REC, "Dr Sylvie Marcoux"),
            _site("CSL", REC, "Dr Amélie Sirois"),
            _site("HDL", REC, "Dr Gabriel Nadeau"),
            _site("Rimouski", REC, "Dr Mireille Dubé"),
            _site("HPLG", REC, "Dr Louis-Philippe Raymond"),
        ],
    ),
    _trial(
        "NCT09241876",
        "MESO-PRIME",
        "A Phase II Study of Neoadjuvant Chemo-Immunotherapy Before Pleurectomy-Decortication "
        "in Resectable Epithelioid Pleural Mesothelioma",
        sponsor="Q-CROC",
        phase="phase2",
        community="thoracic",
        tumour_site="Pleural Mesothelioma",
        biomarkers="",
        eligibility=[
            "Epithelioid pleural mesothelioma judged resectable by a thoracic surgeon",
            "No prior systemic therapy",
            "ECOG 0-1, adequate pulmonary function",
        ],
        is_niche=False,
        status=UPC,
        sites=[
            _site("CHUM", UPC, "Dr Étienne Rousseau-Vachon"),
            _site("IUCPQ", UPC, "Dr Hugo Lacasse"),
        ],
    ),
    _trial(
        "NCT09256413",
        "STELLAR-III",
        "A Randomized Phase III Trial of MST-115 Plus Durvalumab Versus Durvalumab Alone "
        "After Chemoradiation in Unresectable Stage III Non-Small Cell Lung Cancer",
        sponsor="Mistral Oncology",
        phase="phase3",
        community="thoracic",
        tumour_site="Non-Small Cell Lung Cancer",
        biomarkers="PD-L1 ≥ 1%",
        eligibility=[
            "Unresectable stage III NSCLC without progression after chemoradiation",
            "Randomization within 6 weeks of the last radiation dose",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=CLO,
        sites=[
            _site("CHUM", CLO, "Dr Étienne Rousseau-Vachon"),
            _site("JGH", CLO, "Dr Samuel Brenner"),
            _site("HCLM", CLO, "Dr Catherine Aubertin"),
            _site("CHUS", CLO, "Dr Alexandre Brisson"),
        ],
    ),
    # ---- Hemato-oncology -------------------------------------------------
    _trial(
        "NCT09301128",
        "FLT3-FORWARD",
        "A Randomized Phase III Trial of FLV-901 Added to Intensive Induction Chemotherapy "
        "in Newly Diagnosed FLT3-Mutated Acute Myeloid Leukemia",
        sponsor="Fleuve Biopharma",
        phase="phase3",
        community="hemato-oncology",
        tumour_site="Acute Myeloid Leukemia",
        biomarkers="FLT3-ITD/TKD",
        eligibility=[
            "Newly diagnosed AML with FLT3-ITD or TKD mutation, age 18-75",
            "Fit for intensive induction chemotherapy",
            "FLT3 result available within 72 hours of diagnosis",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("JGH", REC, "Dr Miriam Adler-Côté"),
            _site("HMR", UPC, "Dr Claire Desrosiers"),
            _site("CHU de Québec", REC, "Dr Marc-Olivier Giroux"),
            _site("CHUS", REC, "Dr Alexandre Brisson"),
        ],
    ),
    _trial(
        "NCT09312507",
        "IDH-ACCORD",
        "A Phase II Study of an IDH1 Inhibitor Combined With Azacitidine in Relapsed or "
        "Refractory IDH1-Mutated Acute Myeloid Leukemia",
        sponsor="Q-CROC",
        phase="phase2",
        community="hemato-oncology",
        tumour_site="Acute Myeloid Leukemia",
        biomarkers="IDH1 R132",
        eligibility=[
            "Relapsed or refractory AML with IDH1 R132 mutation",
            "One or two prior lines of therapy",
            "ECOG 0-2; no prior IDH1 inhibitor",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("HMR", REC, "Dr Claire Desrosiers"),
            _site("CHU de Québec", REC, "Dr Marc-Olivier Giroux"),
            _site("HCLM", UPC, "Dr Jérôme Plante"),
        ],
    ),
    _trial(
        "NCT09324679",
        "MDS-RELAIS",
        "A Phase II Study of an Erythroid Maturation Agent in Transfusion-Dependent "
        "Lower-Risk Myelodysplastic Syndromes With SF3B1 Mutation",
        sponsor="Q-CROC",
        phase="phase2",
        community="hemato-oncology",
        tumour_site="Myelodysplastic Neoplasms",
        biomarkers="SF3B1 mutation",
        eligibility=[
            "IPSS-R very low, low or intermediate risk MDS with SF3B1 mutation",
            "At least 2 red-cell units every 8 weeks",
            "Refractory to or ineligible for erythropoiesis-stimulating agents",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("JGH", REC, "Dr Miriam Adler-Côté"),
            _site("CHUS", REC, "Dr Alexandre Brisson"),
            _site("CHU de Québec", UPC, "Dr Marc-Olivier Giroux"),
        ],
    ),
    _trial(
        "NCT09336942",
        "TP53-VIGIL",
        "A Phase I Study of NCX-77, an Allogeneic Cell Therapy, in TP53-Mutated Acute "
        "Myeloid Leukemia and Higher-Risk Myelodysplastic Syndromes",
        sponsor="Nordic Cell Therapies",
        phase="phase1",
        community="hemato-oncology",
        tumour_site="Myeloid",
        biomarkers="TP53 mutation",
        eligibility=[
            "AML or higher-risk MDS with TP53 mutation, relapsed or refractory",
            "Not a candidate for immediate allogeneic transplant",
            "ECOG 0-1",
        ],
        is_niche=True,
        status=UPC,
        sites=[
            _site("JGH", UPC, "Dr Miriam Adler-Côté"),
            _site("HMR", UPC, "Dr Claire Desrosiers"),
        ],
    ),
    _trial(
        "NCT09348215",
        "MENIN-Q",
        "A Phase I/II Study of CBX-512, a Menin Inhibitor, in Relapsed or Refractory Acute "
        "Leukemia With KMT2A Rearrangement or NPM1 Mutation",
        sponsor="Cartier Biosciences",
        phase="phase1_2",
        community="hemato-oncology",
        tumour_site="Acute Myeloid Leukemia",
        biomarkers="KMT2A rearrangement / NPM1 mutation",
        eligibility=[
            "Relapsed or refractory acute leukemia with KMT2A-r or NPM1 mutation",
            "QTc ≤ 470 ms; no active CNS leukemia",
            "Recruitment suspended pending a protocol amendment",
        ],
        is_niche=True,
        status="suspended",
        sites=[
            _site("HMR", REC, "Dr Claire Desrosiers"),
            _site("CHU de Québec", REC, "Dr Marc-Olivier Giroux"),
        ],
    ),
    _trial(
        "NCT09350483",
        "ELAN-DLBCL",
        "A Randomized Phase III Trial of a Bispecific Antibody Plus R-CHOP Versus R-CHOP in "
        "Previously Untreated High-Risk Diffuse Large B-Cell Lymphoma",
        sponsor="Canadian Cancer Trials Group",
        phase="phase3",
        community="hemato-oncology",
        tumour_site="Diffuse Large B-Cell Lymphoma, NOS",
        biomarkers="CD20",
        eligibility=[
            "Untreated DLBCL, IPI 2-5",
            "Age 18-80, ECOG 0-2",
            "LVEF ≥ 50%",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("JGH", REC, "Dr Miriam Adler-Côté"),
            _site("CUSM", REC, "Dr Priya Raman"),
            _site("CHUM", REC, "Dr Philippe Comeau"),
            _site("HMR", REC, "Dr Claire Desrosiers"),
            _site("CHU de Québec", REC, "Dr Marc-Olivier Giroux"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
        ],
    ),
    _trial(
        "NCT09362790",
        "MYELO-STEP",
        "A Randomized Phase III Trial of SLP-260 Plus Daratumumab-Lenalidomide-Dexamethasone "
        "in Transplant-Ineligible Newly Diagnosed Multiple Myeloma",
        sponsor="Saint-Laurent Pharma",
        phase="phase3",
        community="hemato-oncology",
        tumour_site="Plasma Cell Myeloma",
        biomarkers="",
        eligibility=[
            "Newly diagnosed multiple myeloma, not eligible for autologous transplant",
            "Measurable disease (serum or urine M-protein, or free light chains)",
            "ECOG 0-2, creatinine clearance ≥ 30 mL/min",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("JGH", REC, "Dr Miriam Adler-Côté"),
            _site("HMR", REC, "Dr Claire Desrosiers"),
            _site("CHUM", REC, "Dr Philippe Comeau"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
        ],
    ),
    # ---- Colorectal --------------------------------------------------------
    _trial(
        "NCT09401236",
        "BRAVADO-CRC",
        "A Randomized Phase III Trial of BRL-5530 Plus Cetuximab and FOLFOX Versus FOLFOX "
        "and Bevacizumab in First-Line BRAF V600E-Mutant Metastatic Colorectal Cancer",
        sponsor="Borealis Oncology",
        phase="phase3",
        community="colorectal",
        tumour_site="Colorectal Adenocarcinoma",
        biomarkers="BRAF V600E",
        eligibility=[
            "Untreated metastatic colorectal adenocarcinoma with BRAF V600E",
            "Microsatellite stable (pMMR)",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Isabelle Charbonneau-Vézina"),
            _site("JGH", UPC, "Dr Leah Rosenthal"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
            _site("Gatineau", REC, "Dr Kathleen Murphy-Cloutier"),
        ],
    ),
    _trial(
        "NCT09413570",
        "MSI-FIRST",
        "A Phase II Study of Neoadjuvant PD-1 Blockade for Organ Preservation in "
        "Mismatch Repair-Deficient Locally Advanced Rectal Cancer",
        sponsor="Q-CROC",
        phase="phase2",
        community="colorectal",
        tumour_site="Rectal Adenocarcinoma",
        biomarkers="MSI-H/dMMR",
        eligibility=[
            "Stage II-III rectal adenocarcinoma, dMMR by immunohistochemistry or MSI-H",
            "No prior treatment for rectal cancer",
            "ECOG 0-1",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("JGH", REC, "Dr Leah Rosenthal"),
            _site("CHUM", UPC, "Dr Isabelle Charbonneau-Vézina"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
            _site("CHAUR", REC, "Dr Denis Lamothe"),
        ],
    ),
    _trial(
        "NCT09425811",
        "CTDNA-GUIDE",
        "A Randomized Phase II/III Trial of Circulating Tumour DNA-Guided Adjuvant "
        "Chemotherapy in Resected Stage II and III Colon Cancer",
        sponsor="Canadian Cancer Trials Group",
        phase="phase2_3",
        community="colorectal",
        tumour_site="Colon Adenocarcinoma",
        biomarkers="ctDNA",
        eligibility=[
            "Resected stage II or III colon adenocarcinoma, R0 resection",
            "Blood sample for ctDNA within 8 weeks of surgery",
            "ECOG 0-1, candidate for adjuvant chemotherapy",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Isabelle Charbonneau-Vézina"),
            _site("JGH", REC, "Dr Leah Rosenthal"),
            _site("CUSM", REC, "Dr Thomas Whitfield"),
            _site("HMR", REC, "Dr Vincent Poulin"),
            _site("HSCM", REC, "Dr Yannick Côté-Brunet"),
            _site("CSL", REC, "Dr Amélie Sirois"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
            _site("Chicoutimi", REC, "Dr Sébastien Girard"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
        ],
    ),
    _trial(
        "NCT09437102",
        "HER2-COLON",
        "A Phase II Study of AUR-412, a HER2-Directed Antibody-Drug Conjugate, in "
        "HER2-Amplified RAS Wild-Type Metastatic Colorectal Cancer",
        sponsor="Aurora Genomics",
        phase="phase2",
        community="colorectal",
        tumour_site="Colorectal Adenocarcinoma",
        biomarkers="HER2 amplification, RAS wild-type",
        eligibility=[
            "Metastatic colorectal cancer, HER2 IHC 3+ or amplified by ISH",
            "RAS/BRAF wild-type; at least two prior lines of therapy",
            "LVEF ≥ 50%, no history of interstitial lung disease",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("CUSM", REC, "Dr Thomas Whitfield"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
            _site("CSL", UPC, "Dr Amélie Sirois"),
        ],
    ),
    _trial(
        "NCT09449358",
        "RECTO-WATCH",
        "A Phase II Study of Total Neoadjuvant Therapy Followed by Watch-and-Wait in "
        "Locally Advanced Rectal Cancer",
        sponsor="Q-CROC",
        phase="phase2",
        community="colorectal",
        tumour_site="Rectal Adenocarcinoma",
        biomarkers="",
        eligibility=[
            "Stage II-III rectal adenocarcinoma within 12 cm of the anal verge",
            "Patient willing to undergo intensive endoscopic and MRI follow-up",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=UPC,
        sites=[
            _site("CHUM", UPC, "Dr Isabelle Charbonneau-Vézina"),
            _site("HMR", UPC, "Dr Vincent Poulin"),
            _site("CHUS", UPC, "Dr Roxanne Pelletier"),
        ],
    ),
    _trial(
        "NCT09451694",
        "KRAS-ECLAT",
        "A Phase I/II Study of MST-240, a KRAS G12C Inhibitor, With Panitumumab in "
        "Previously Treated KRAS G12C-Mutant Metastatic Colorectal Cancer",
        sponsor="Mistral Oncology",
        phase="phase1_2",
        community="colorectal",
        tumour_site="Colorectal Adenocarcinoma",
        biomarkers="KRAS G12C",
        eligibility=[
            "Metastatic colorectal cancer with KRAS G12C after fluoropyrimidine, oxaliplatin "
            "and irinotecan",
            "No prior KRAS G12C inhibitor",
            "Enrolment completed",
        ],
        is_niche=False,
        status=CLO,
        sites=[
            _site("CHUM", CLO, "Dr Isabelle Charbonneau-Vézina"),
            _site("JGH", CLO, "Dr Leah Rosenthal"),
        ],
    ),
    # ---- Uro-oncology ------------------------------------------------------
    _trial(
        "NCT09502347",
        "PROSTA-RT",
        "A Randomized Phase III Trial of Ultra-Hypofractionated Radiotherapy With Androgen "
        "Deprivation and an Androgen Receptor Pathway Inhibitor in High-Risk Prostate Cancer",
        sponsor="Canadian Cancer Trials Group",
        phase="phase3",
        community="uro-oncology",
        tumour_site="Prostate",
        biomarkers="",
        eligibility=[
            "High-risk localized prostate adenocarcinoma (NCCN), N0 M0 on PSMA PET",
            "No prior pelvic radiotherapy or prostatectomy",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Olivier Dufresne-Ménard"),
            _site("CUSM", REC, "Dr Priya Raman"),
            _site("CHU de Québec", REC, "Dr Marc-Olivier Giroux"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
            _site("CHAUR", REC, "Dr Denis Lamothe"),
            _site("HDL", REC, "Dr Gabriel Nadeau"),
            _site("Gatineau", REC, "Dr Kathleen Murphy-Cloutier"),
        ],
    ),
    _trial(
        "NCT09514683",
        "PSMA-ORBIT",
        "A Phase II Study of a PSMA-Targeted Radioligand Before Chemotherapy in "
        "Metastatic Castration-Resistant Prostate Cancer",
        sponsor="Borealis Oncology",
        phase="phase2",
        community="uro-oncology",
        tumour_site="Prostate",
        biomarkers="PSMA-positive PET",
        eligibility=[
            "mCRPC progressing after one androgen receptor pathway inhibitor",
            "PSMA-positive disease on PET, no PSMA-negative lesions",
            "Chemotherapy-naive for castration-resistant disease",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Olivier Dufresne-Ménard"),
            _site("CHU de Québec", REC, "Dr Marc-Olivier Giroux"),
            _site("CHUS", UPC, "Dr Roxanne Pelletier"),
        ],
    ),
    _trial(
        "NCT09526019",
        "BLADDER-SPARE",
        "A Randomized Phase II/III Trial of Trimodality Bladder Preservation With or "
        "Without Immunotherapy in Muscle-Invasive Bladder Cancer",
        sponsor="Q-CROC",
        phase="phase2_3",
        community="uro-oncology",
        tumour_site="Bladder/Urinary Tract",
        biomarkers="",
        eligibility=[
            "cT2-T4a N0 M0 urothelial carcinoma after maximal TURBT",
            "Candidate for concurrent chemoradiation",
            "ECOG 0-2",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Olivier Dufresne-Ménard"),
            _site("JGH", REC, "Dr Ariel Feldmann"),
            _site("HMR", REC, "Dr Vincent Poulin"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
        ],
    ),
    _trial(
        "NCT09538452",
        "FGFR-URO",
        "A Phase II Study of FLV-377, a Selective FGFR3 Inhibitor, in Advanced Urothelial "
        "Carcinoma With FGFR3 Alterations",
        sponsor="Fleuve Biopharma",
        phase="phase2",
        community="uro-oncology",
        tumour_site="Bladder Urothelial Carcinoma",
        biomarkers="FGFR3 mutation/fusion",
        eligibility=[
            "Locally advanced or metastatic urothelial carcinoma with FGFR3 alteration",
            "Progression after at least one prior systemic therapy",
            "No prior FGFR inhibitor; no central serous retinopathy",
        ],
        is_niche=False,
        status=UPC,
        sites=[
            _site("CHUM", UPC, "Dr Olivier Dufresne-Ménard"),
            _site("CHU de Québec", UPC, "Dr Marc-Olivier Giroux"),
            _site("JGH", UPC, "Dr Ariel Feldmann"),
        ],
    ),
    # ---- Pediatric ---------------------------------------------------------
    _trial(
        "NCT09601583",
        "KIDS-ALL-26",
        "A Risk-Stratified Phase III Trial of Immunotherapy Added to Chemotherapy in "
        "Children With Newly Diagnosed Standard-Risk B-Cell Acute Lymphoblastic Leukemia",
        sponsor="Children's Oncology Group",
        phase="phase3",
        community="pediatric",
        tumour_site="B-Lymphoblastic Leukemia/Lymphoma",
        biomarkers="",
        eligibility=[
            "Age 1-9 years, newly diagnosed B-ALL, NCI standard risk",
            "No prior therapy other than steroids or intrathecal chemotherapy",
            "Parental consent and assent when appropriate",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUSJ", REC, "Dr Simon Laberge-Caron"),
            _site("MCH", REC, "Dr Andrew MacLeod"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
            _site("CHUS", REC, "Dr Alexandre Brisson"),
        ],
    ),
    _trial(
        "NCT09613926",
        "NB-ALK",
        "A Phase I/II Study of AUR-590, an ALK Inhibitor, With Chemotherapy in Children "
        "With Relapsed or Refractory ALK-Altered Neuroblastoma",
        sponsor="Aurora Genomics",
        phase="phase1_2",
        community="pediatric",
        tumour_site="Neuroblastoma",
        biomarkers="ALK mutation/amplification",
        eligibility=[
            "Age 1-21 years, relapsed or refractory high-risk neuroblastoma",
            "ALK mutation or amplification in tumour tissue",
            "Lansky or Karnofsky ≥ 60",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("CHUSJ", REC, "Dr Laurence Bastien"),
            _site("MCH", UPC, "Dr Andrew MacLeod"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
        ],
    ),
    _trial(
        "NCT09625260",
        "PLGG-MEK",
        "A Randomized Phase II Trial of a MEK Inhibitor Versus Carboplatin-Vincristine in "
        "Pediatric Low-Grade Glioma With BRAF Alteration",
        sponsor="Children's Oncology Group",
        phase="phase2",
        community="pediatric",
        tumour_site="Pediatric-Type Diffuse Low-Grade Glioma",
        biomarkers="BRAF fusion / BRAF V600E",
        eligibility=[
            "Age 2-21 years, low-grade glioma requiring first systemic therapy",
            "KIAA1549-BRAF fusion or BRAF V600E",
            "Able to swallow capsules or take a liquid formulation",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("MCH", REC, "Dr Andrew MacLeod"),
            _site("CHUSJ", REC, "Dr Laurence Bastien"),
            _site("CHUS", REC, "Dr Alexandre Brisson"),
        ],
    ),
    # ---- Gynecology (starting up) ----------------------------------------
    _trial(
        "NCT09702615",
        "OVARIA-HRD",
        "A Randomized Phase III Trial of PARP Inhibitor Maintenance With or Without an ATR "
        "Inhibitor in HRD-Positive High-Grade Serous Ovarian Cancer",
        sponsor="Canadian Cancer Trials Group",
        phase="phase3",
        community="gynecology",
        tumour_site="Ovary/Fallopian Tube",
        biomarkers="HRD positive, BRCA1/2",
        eligibility=[
            "Newly diagnosed stage III-IV high-grade serous or endometrioid ovarian cancer",
            "Complete or partial response to first-line platinum chemotherapy",
            "HRD-positive tumour test",
        ],
        is_niche=False,
        status=UPC,
        sites=[
            _site("CHUM", UPC, "Dr Anne-Sophie Gravel"),
            _site("JGH", UPC, "Dr Leah Rosenthal"),
            _site("CHU de Québec", UPC, "Dr François Bélanger-Roy"),
            _site("CHUS", UPC, "Dr Roxanne Pelletier"),
        ],
    ),
    _trial(
        "NCT09714948",
        "ENDO-MMR",
        "A Phase II Study of SLP-118 Plus PD-1 Blockade in Advanced or Recurrent "
        "Mismatch Repair-Deficient Endometrial Cancer",
        sponsor="Saint-Laurent Pharma",
        phase="phase2",
        community="gynecology",
        tumour_site="Endometrial Carcinoma",
        biomarkers="MSI-H/dMMR",
        eligibility=[
            "Advanced or recurrent endometrial carcinoma, dMMR",
            "At most one prior line of systemic therapy",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Anne-Sophie Gravel"),
            _site("CUSM", REC, "Dr Priya Raman"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
        ],
    ),
    _trial(
        "NCT09726371",
        "CERVIX-LOCAL",
        "A Randomized Phase III Trial of Immunotherapy With Chemoradiation and Brachytherapy "
        "in Locally Advanced Cervical Cancer",
        sponsor="Q-CROC",
        phase="phase3",
        community="gynecology",
        tumour_site="Cervix",
        biomarkers="",
        eligibility=[
            "FIGO 2018 stage IB3-IVA squamous cell, adenocarcinoma or adenosquamous carcinoma",
            "No prior pelvic radiotherapy",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=UPC,
        sites=[
            _site("CHUM", UPC, "Dr Anne-Sophie Gravel"),
            _site("CHU de Québec", UPC, "Dr François Bélanger-Roy"),
            _site("CHAUR", UPC, "Dr Denis Lamothe"),
        ],
    ),
    # ---- Neurology, radiology & gynecology --------------------------------
    _trial(
        "NCT09803742",
        "GLIO-IDH",
        "A Randomized Phase III Trial of CBX-118, a Brain-Penetrant IDH Inhibitor, Versus "
        "Surveillance After Surgery in IDH-Mutant Grade 2 Glioma",
        sponsor="Cartier Biosciences",
        phase="phase3",
        community="neuro-radiology-gynecology",
        tumour_site="Diffuse Glioma",
        biomarkers="IDH1/2 mutation",
        eligibility=[
            "Grade 2 astrocytoma or oligodendroglioma, IDH1/2-mutant, after surgery only",
            "No prior radiotherapy or chemotherapy",
            "Karnofsky ≥ 70",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Olivier Dufresne-Ménard"),
            _site("CUSM", REC, "Dr Thomas Whitfield"),
            _site("CHU de Québec", REC, "Dr François Bélanger-Roy"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
        ],
    ),
    _trial(
        "NCT09815076",
        "BRAIN-SRS",
        "A Randomized Phase III Trial of Stereotactic Radiosurgery Versus Hippocampal-Avoidant "
        "Whole-Brain Radiotherapy for 5 to 15 Brain Metastases",
        sponsor="Canadian Cancer Trials Group",
        phase="phase3",
        community="neuro-radiology-gynecology",
        tumour_site="Brain metastases",
        biomarkers="",
        eligibility=[
            "5 to 15 brain metastases on MRI from a non-hematologic solid tumour",
            "Largest lesion < 3 cm; no leptomeningeal disease",
            "ECOG 0-2, expected survival > 6 months",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Olivier Dufresne-Ménard"),
            _site("JGH", REC, "Dr Ariel Feldmann"),
            _site("CHU de Québec", REC, "Dr François Bélanger-Roy"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
            _site("CHAUR", REC, "Dr Denis Lamothe"),
        ],
    ),
    _trial(
        "NCT09827410",
        "MGMT-PRIME",
        "A Phase II Study of an Oncolytic Virus With Re-Irradiation in Recurrent "
        "MGMT-Unmethylated Glioblastoma",
        sponsor="Nordic Cell Therapies",
        phase="phase2",
        community="neuro-radiology-gynecology",
        tumour_site="Glioblastoma, IDH-Wildtype",
        biomarkers="MGMT unmethylated, IDH wild-type",
        eligibility=[
            "First recurrence of IDH-wildtype glioblastoma, MGMT promoter unmethylated",
            "At least 6 months since first-line chemoradiation",
            "Karnofsky ≥ 70",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Olivier Dufresne-Ménard"),
            _site("CHU de Québec", REC, "Dr François Bélanger-Roy"),
            _site("CHUS", UPC, "Dr Roxanne Pelletier"),
        ],
    ),
    # ---- Melanoma ----------------------------------------------------------
    _trial(
        "NCT09904183",
        "MELA-NEO",
        "A Phase II Study of Neoadjuvant Dual Checkpoint Blockade Followed by Response-Adapted "
        "Surgery in Resectable Stage III Melanoma",
        sponsor="Q-CROC",
        phase="phase2",
        community="melanoma",
        tumour_site="Cutaneous Melanoma",
        biomarkers="",
        eligibility=[
            "Resectable stage III cutaneous melanoma with clinically detectable nodes",
            "No prior systemic therapy for melanoma",
            "ECOG 0-1",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Hélène Ducharme-Pilon"),
            _site("JGH", REC, "Dr Samuel Brenner"),
            _site("CUSM", REC, "Dr Priya Raman"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
            _site("CHUS", REC, "Dr Roxanne Pelletier"),
            _site("HCLM", REC, "Dr Jérôme Plante"),
        ],
    ),
    _trial(
        "NCT09916527",
        "BRAF-SEQUENCE",
        "A Randomized Phase III Trial of First-Line Immunotherapy Versus Targeted Therapy "
        "Then Immunotherapy in Unresectable BRAF V600-Mutant Melanoma",
        sponsor="Mistral Oncology",
        phase="phase3",
        community="melanoma",
        tumour_site="Cutaneous Melanoma",
        biomarkers="BRAF V600E/K",
        eligibility=[
            "Unresectable stage III or IV melanoma with BRAF V600E or V600K",
            "No prior systemic therapy for advanced disease",
            "ECOG 0-1, LDH ≤ 2 × upper limit of normal",
        ],
        is_niche=False,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Hélène Ducharme-Pilon"),
            _site("HMR", REC, "Dr Vincent Poulin"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
            _site("CSL", REC, "Dr Amélie Sirois"),
            _site("Gatineau", REC, "Dr Kathleen Murphy-Cloutier"),
        ],
    ),
    _trial(
        "NCT09928864",
        "UVEA-Q",
        "A Phase II Study of BRL-7710, a T-Cell Receptor Bispecific, in HLA-A*02:01-Positive "
        "Metastatic Uveal Melanoma After Tebentafusp",
        sponsor="Borealis Oncology",
        phase="phase2",
        community="melanoma",
        tumour_site="Uveal Melanoma",
        biomarkers="HLA-A*02:01",
        eligibility=[
            "Metastatic uveal melanoma, HLA-A*02:01 positive",
            "Progression on or after tebentafusp",
            "ECOG 0-1, measurable hepatic or extrahepatic disease",
        ],
        is_niche=True,
        status=REC,
        sites=[
            _site("CHUM", REC, "Dr Hélène Ducharme-Pilon"),
            _site("CHU de Québec", REC, "Dr Anne Lacroix-Dion"),
        ],
    ),
]
