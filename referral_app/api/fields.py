"""The API's field types: what every string, integer and id of a schema accepts.

Used by every schema (``schemas.py``) instead of marshmallow's bare fields, so
the rules are written once and documented in the OpenAPI document:

- ``Text``: no control character (NUL…); tab, and in ``multiline`` text newline
  and carriage return, allowed. The rule is a ``pattern`` of the document.
- ``Int``: a JSON integer, never ``2.0``, ``2.59e-42``, ``"2"`` nor ``true``; in a
  query string (``query=True``), digits.
- ``Id``: an ``Int`` from 1 to the database's largest integer (``inputs.MAX_ID``).
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from referral_app.inputs import MAX_ID, has_control_characters

# The characters ``inputs.has_control_characters`` refuses, as a document's pattern.
# (Lone surrogates are refused too, by ``has_control_characters``; a pattern naming
# them defeats the generators of test data that read the document.)
_REFUSED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_DIGITS = re.compile(r"[+-]?[0-9]{1,20}")
CONTROL_CHARACTER = _l("This field contains a character that is not allowed.")
REQUIRED = _l("This field is required.")


class TextRule(validate.Regexp):
    """No control character; ``nonblank``: more than spaces. Documented as a pattern."""

    def __init__(self, *, multiline: bool, nonblank: bool):
        refused = _REFUSED if multiline else _REFUSED + r"\n\r"
        pattern = (
            rf"^[^{refused}]*[^{refused}\s][^{refused}]*$" if nonblank else rf"^[^{refused}]*$"
        )
        super().__init__(pattern, error=str(CONTROL_CHARACTER))
        self.multiline, self.nonblank = multiline, nonblank

    def __call__(self, value: str) -> str:
        if has_control_characters(value, multiline=self.multiline):
            raise ValidationError(str(CONTROL_CHARACTER))
        if self.nonblank and not value.strip():
            raise ValidationError(str(REQUIRED))
        return value


class Text(fields.String):
    """A string without control characters (``multiline``: newlines allowed)."""

    def __init__(
        self,
        *,
        multiline: bool = False,
        nonblank: bool = False,
        max_length: int | None = None,
        **kwargs,
    ):
        validators: list = [TextRule(multiline=multiline, nonblank=nonblank)]
        if max_length is not None:
            validators.append(validate.Length(max=max_length))
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.extend(extra if isinstance(extra, list | tuple) else [extra])
        super().__init__(validate=validators, **kwargs)


class Int(fields.Integer):
    """A JSON integer (never a float nor a boolean); ``query=True``: digits in a query."""

    def __init__(
        self, *, low: int | None = None, high: int | None = None, query: bool = False, **kwargs
    ):
        validators = list(kwargs.pop("validate", None) or [])
        if low is not None or high is not None:
            validators.append(validate.Range(min=low, max=high))
        super().__init__(strict=True, validate=validators, **kwargs)
        self.query = query

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str) and self.query:  # a query string's value
            if not _DIGITS.fullmatch(value):
                raise self.make_error("invalid")
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Id(Int):
    """The id of a row: 1 to the largest integer the database stores."""

    def __init__(self, **kwargs):
        super().__init__(low=1, high=MAX_ID, **kwargs)
