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


def _extract_current_messages(tmp_path: Path) -> set[str]:
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
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_message_in_the_code_has_a_french_translation(tmp_path):
    with PO.open("rb") as f:
        catalogue = read_po(f, locale="fr")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
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
        expected = sorted(placeholder.findall(ids[-1]))
        for string in strings:
            assert sorted(placeholder.findall(string)) == expected, m.id


def test_translation_outside_a_request_does_not_crash(app):
    """Workers and CLI commands translate without a session (French by default)."""
    from flask_babel import gettext

    assert gettext("Home") == "Accueil"
