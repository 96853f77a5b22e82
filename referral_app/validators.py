"""Form validators shared by the feature blueprints."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

NCT_PATTERN = re.compile(r"^NCT\d{8}$")


def int_or_none(value) -> int | None:
    """Select-field coercion: an id, or None for the blank choice or a non-number.

    Never raises, so tampered input is refused by the field's validation rather
    than by an exception inside ``coerce``.
    """
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class EmailAddress:
    """A syntactically valid e-mail address, normalised to lower case.

    Unlike WTForms' ``Email``, accepts the reserved ``.test`` domain used by the
    demo network's fictional accounts.
    """

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            result = validate_email(
                field.data.strip(), check_deliverability=False, test_environment=True
            )
        except EmailNotValidError:
            raise ValidationError(self.message or _l("Enter a valid e-mail address.")) from None
        field.data = result.normalized.lower()


class NctNumber:
    """``NCT`` followed by 8 digits, as ClinicalTrials.gov assigns them."""

    def __call__(self, form, field) -> None:
        if field.data:
            field.data = field.data.strip().upper()
        if field.data and not NCT_PATTERN.match(field.data):
            raise ValidationError(
                _l("An NCT number is NCT followed by 8 digits, e.g. NCT01234567.")
            )
