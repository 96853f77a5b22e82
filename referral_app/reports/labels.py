"""Translated names of report figures, shared by the page, the charts and the exports."""

from __future__ import annotations

from flask_babel import format_decimal, format_percent, get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l

# Headers over counts of referrals: plural in French ("Acceptées"), where a referral's
# own state is singular ("Acceptée"); the context keeps them apart in the catalogue.
# Templates say the same with pgettext("referrals counted", …) (a literal: the
# catalogue's extraction reads it).
FUNNEL_LABELS = {
    "submitted": lazy_pgettext("referrals counted", "Submitted"),
    "acknowledged": lazy_pgettext("referrals counted", "Acknowledged"),
    "accepted": lazy_pgettext("referrals counted", "Accepted"),
    "screening": lazy_pgettext("referrals counted", "Screening"),
    "enrolled": lazy_pgettext("referrals counted", "Enrolled"),
}

DURATION_LABELS = {
    "acknowledge": _l("Time to acknowledge"),
    "decision": _l("Time to decision"),
    "enrollment": _l("Time to enrollment"),
}


def percent(value: float | None) -> str:
    """``0.4285`` → ``"42,9 %"`` in French (the locale's own spacing), ``"42.9%"`` in
    English; ``None`` (nothing to divide) → ``"—"``."""
    if value is None:
        return "—"
    pattern = get_locale().percent_formats[None].pattern  # "#,##0 %" in French
    return format_percent(value, pattern.replace("0", "0.0", 1) if "." not in pattern else pattern)


def days(value: float | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, "#,##0.#")
