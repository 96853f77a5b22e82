"""Language selection: the session's choice, then the user's preference, then French.

Outside a web request (workers, CLI) there is no session: callers pick the
language with ``flask_babel.force_locale``; otherwise French is used.
"""

from __future__ import annotations

import datetime as dt

from babel import Locale, dates
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from referral_app.timeutil import as_utc


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language.value in languages:
        return current_user.language.value
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(languages)) or default
    return default


# -- Dates and times, one rule for pages, e-mails and messages ------------------
# Babel in the Canadian variant of the reader's language (fr-CA, en-CA): a short
# date is 2026-12-03 in both (never the US 12/3/26), a medium one "3 déc. 2026" /
# "Dec 3, 2026"; times in Quebec time (``BABEL_DEFAULT_TIMEZONE``).


def canadian_locale() -> Locale:
    current = get_locale()
    return Locale(current.language if current else "fr", "CA")


def format_date(value, fmt: str = "medium") -> str:
    """A date (or the local date of a moment) as the reader writes it."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value, fmt)
    return dates.format_date(value, fmt, locale=canadian_locale())


def format_datetime(value, fmt: str = "medium") -> str:
    """A moment in Quebec time, as the reader writes it (a naive value is UTC): the
    date in ``fmt`` and the time to the minute ("3 déc. 2026 12 h 05",
    "Dec 3, 2026, 12:05 p.m."), never seconds."""
    if value is None:
        return ""
    locale = canadian_locale()
    moment = as_utc(value)
    day = dates.format_date(moment.astimezone(get_timezone()).date(), fmt, locale=locale)
    time = dates.format_time(moment, "short", tzinfo=get_timezone(), locale=locale)
    pattern = locale.datetime_formats.get(fmt) or locale.datetime_formats["medium"]
    return str(pattern).replace("{1}", day).replace("{0}", time)
