"""Translated messages that also work outside a request (workers, CLI, tests).

``flask_babel.gettext`` asks the locale selector, which reads the request; domain
services also run in Celery tasks and commands. There, a locale forced with
``flask_babel.force_locale`` still applies, and without one the English msgid is
the answer. Imported as ``_`` at the call sites so that Babel extracts the messages.
"""

from __future__ import annotations

from flask_babel import gettext


def _english(message: str, variables: dict) -> str:
    return message % variables if variables else message


def gettext_safe(message: str, **variables) -> str:
    try:
        return gettext(message, **variables)
    except RuntimeError:  # no request (nor forced locale) to choose a language from
        return _english(message, variables)


def text_of(value) -> str:
    """``str()`` of a lazy label; its English msgid when no language can be chosen."""
    try:
        return str(value)
    except RuntimeError:
        args = getattr(value, "_args", None)
        if args and isinstance(args[0], str):
            return _english(args[0], getattr(value, "_kwargs", None) or {})
        raise
