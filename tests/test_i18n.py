"""The French catalogue is complete, compiled and up to date with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "referral_app/translations/fr/LC_MESSAGES/messages.po"
MO = ROOT / "referral_app/translations/fr/LC_MESSAGES/messages.mo"


def _extract_current_messages(tmp_path: Path) -> set[tuple[str | None, str]]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return {_key(m) for m in read_po(f) if m.id}


def _key(message) -> tuple[str | None, str]:
    """A message is its context and its id: "Accepted" counted (plural in French) is
    not the state "Accepted"."""
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def test_every_message_in_the_code_has_a_french_translation(tmp_path):
    with PO.open("rb") as f:
        catalogue = read_po(f, locale="fr")
    translated = {
        _key(m)
        for m in catalogue
        if m.id
        and (all(m.string) if isinstance(m.string, tuple) else m.string)
        and "fuzzy" not in m.flags
    }
    missing = sorted(_extract_current_messages(tmp_path) - translated)
    assert not missing, f"{len(missing)} message(s) without French translation: {missing[:20]}"


def _comparable(message):
    """(id, string) with plural forms as tuples (the .mo reader gives lists)."""
    ident, string = message.id, message.string
    return (
        tuple(ident) if isinstance(ident, list | tuple) else ident,
        tuple(string) if isinstance(string, list | tuple) else string,
    )


def test_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as f:
        po = dict(_comparable(m) for m in read_po(f, locale="fr") if m.id and m.string)
    with MO.open("rb") as f:
        mo = dict(_comparable(m) for m in read_mo(f) if m.id)
    assert po == mo, "run `make translations` to recompile messages.mo"


def test_placeholders_are_kept_in_translations():
    import re

    with PO.open("rb") as f:
        catalogue = read_po(f, locale="fr")
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for m in catalogue:
        if not (m.id and m.string):
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        # French's first form (0 and 1) follows the English singular, which may leave
        # the count out ("The most referred trial"); the other forms the plural.
        for position, string in enumerate(strings):
            source = ids[0] if position == 0 else ids[-1]
            expected = sorted(placeholder.findall(source))
            assert sorted(placeholder.findall(string)) == expected, m.id


def test_translation_outside_a_request_does_not_crash(app):
    """Workers and CLI commands translate without a session (French by default)."""
    from flask_babel import gettext

    assert gettext("Home") == "Accueil"


# Numbers in a message that are not a count of things: versions, positions, limits
# (never 1). Every other "%(n)d …" message is a count and needs ngettext.
NOT_COUNTS = {
    "Version %(n)d.",
    "criteria version %(n)d, checked at submission",
    "Not valid JSON (line %(n)d).",
    "Criteria saved as version %(n)d.",
    "Version %(n)d of the criteria was saved while you were editing: read it above, then save "
    "yours again (your text is kept).",
    "study #%(n)d",
    "At most %(n)d characters.",
    "At most %(n)d files at once.",
    "At least %(n)d characters.",
    "At most %(n)d criteria.",
    "Biomarker %(n)d",
    "Earlier versions and purged documents (%(n)d)",
}


def test_a_count_in_a_message_has_its_plural(tmp_path):
    """Issue 16: "1 essais en recrutement", "1 créés". A message counting things goes
    through ngettext, so French and English say 1 thing and 2 things."""
    import re

    counted = re.compile(r"%\((n|num|count)\)d")
    singular_only = sorted(
        message
        for message in _extract_current_singular_messages(tmp_path)
        if counted.search(message) and message not in NOT_COUNTS
    )
    assert singular_only == [], "use ngettext for: " + "; ".join(singular_only)


def _extract_current_singular_messages(tmp_path: Path) -> set[str]:
    _extract_current_messages(tmp_path)
    with (tmp_path / "messages.pot").open("rb") as f:
        return {m.id for m in read_po(f) if isinstance(m.id, str) and m.id}


# Words a template may show outside the catalogue: the product's name and technical
# identifiers that read the same in both languages.
UNTRANSLATED_WORDS = {"Passerelle", "Message-ID", "SHA-256", "ECOG"}


def test_templates_show_no_text_that_bypasses_the_catalogue():
    """Every word a template shows (text, or a title, aria-label, placeholder, alt,
    data-confirm) goes through ``_()``: a French page never shows a stray English
    "breadcrumb", and an English one no French."""
    import re

    jinja = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
    tags = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
    shown_attributes = re.compile(r'\b(title|aria-label|placeholder|alt|data-confirm)="([^"]*)"')
    word = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9-]+")
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = jinja.sub(" ", path.read_text(encoding="utf-8"))
        texts = [value for _name, value in shown_attributes.findall(source)]
        texts += tags.sub(" ", source).split("\n")
        for text in texts:
            stray = set(word.findall(re.sub(r"&[a-z]+;|&#\d+;", " ", text)))
            if stray - UNTRANSLATED_WORDS:
                found.append(f"{path.relative_to(ROOT)}: {text.strip()[:60]}")
    assert found == []


def test_percentages_are_written_as_each_language_writes_them(app):
    """Issue 16: "100,0%" lacked the space French puts before the sign."""
    from flask_babel import force_locale

    from referral_app.reports.labels import percent

    with app.test_request_context():
        with force_locale("fr"):
            assert (percent(1.0), percent(0.125)) == ("100,0\xa0%", "12,5\xa0%")
        with force_locale("en"):
            assert (percent(1.0), percent(0.125)) == ("100.0%", "12.5%")
        assert percent(None) == "—"


def test_one_wording_for_a_required_field(client, db):
    """WTForms' own message ("Ce champ est requis.") went beside the app's "Ce champ
    est obligatoire.": WTForms now speaks through the app's catalogue."""
    page = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Ce champ est obligatoire." in page
    assert "requis" not in page


def test_a_label_and_its_colon_are_translated_together():
    """French puts a space before a colon ("Nº de référence :"); a colon written
    after a translated label in a template ("Nº de référence:") cannot have it."""
    import re

    outside = re.compile(r"_\([\"'][^\"']+[\"']\) \}\}:")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.*"))
        for match in outside.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_tumour_sites_are_shown_in_the_readers_language(app):
    """Issue 16: tumour sites in English on French pages."""
    from referral_app.eligibility.vocabulary import tumour_site_label

    with app.app_context():
        assert tumour_site_label("Non-Small Cell Lung Cancer", "fr") == (
            "Cancer du poumon non à petites cellules"
        )
        assert tumour_site_label("cancer du poumon non à petites cellules", "en") == (
            "Non-Small Cell Lung Cancer"
        )
        assert tumour_site_label("NSCLC", "fr").startswith("Cancer du poumon")
        assert tumour_site_label("Brain metastases", "fr") == "Brain metastases"  # as written


def test_every_demo_trials_tumour_site_has_both_languages():
    from referral_app import seed_data
    from referral_app.eligibility.vocabulary import tumour_site_label

    untranslated = {
        trial["tumour_site"]
        for trial in seed_data.TRIALS
        if tumour_site_label(trial["tumour_site"], "fr") == trial["tumour_site"]
        and trial["tumour_site"] not in ("Prostate", "Cervix")  # the same word in French
    }
    assert untranslated <= {"Brain metastases"}
