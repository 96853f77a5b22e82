"""WTForms' own messages, in the app's catalogue (issue 16: "Ce champ est requis."
beside the app's "Ce champ est obligatoire." for one rule).

``BaseForm`` makes WTForms translate through the app's translations instead of
the catalogue WTForms ships, so each rule has one wording, chosen here. The calls
below only mark the messages for extraction (``make translations``): WTForms
itself asks for them by these exact English texts.
"""

from __future__ import annotations

from flask_babel import get_translations


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a no-op marker)
    return message


def ungettext(singular: str, plural: str, n: int = 2) -> tuple[str, str]:
    """A no-op marker of a plural message (Babel extracts ``ungettext`` by default)."""
    return singular, plural


MESSAGES = [
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("The CSRF token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF session token is missing."),
    N_("The CSRF tokens do not match."),
    N_("Invalid Choice: could not coerce."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
]
PLURAL_MESSAGES = [
    ungettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    ungettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
    ungettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ),
    ungettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ),
]


class AppTranslations:
    """What WTForms asks for its messages: the app's catalogue, in the request's
    language (Flask-Babel), falling back to the English text."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel.ngettext: it formats the text itself, and WTForms does.
        return get_translations().ungettext(singular, plural, n)
