"""Reading a ClinicalTrials.gov API v2 study with the type of every field checked:
``StudyError`` names the field and what is wrong with it, in the reader's language.
``ctgov`` (the import) and ``ctgov_details`` (the complete record) both read through it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from referral_app.inputs import has_control_characters

# What a study's value is, in words: "protocolSection is a list, not an object".
KIND_NAMES: dict[str, Any] = {
    "object": _l("an object"),
    "list": _l("a list"),
    "text": _l("a text"),
    "number": _l("a number"),
    "boolean": _l("true or false"),
}


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "boolean"
    return "number"


class StudyError(ValueError):
    """One study of the file cannot be read: which field, and what is wrong with it."""

    def __init__(
        self,
        field_path: str,
        *,
        expected: str | None = None,
        found: Any = None,
        problem: str | None = None,
        value: str | None = None,
    ):
        self.field_path, self.expected, self.problem, self.value = (
            field_path,
            expected,
            problem,
            value,
        )
        self.found = kind_of(found) if expected else None
        super().__init__(self.describe())

    def describe(self) -> str:
        """The problem in the current language (the web page's; English in the CLI)."""
        if self.problem == "nct":
            return _(
                "%(field)s %(value)s is not an NCT number (NCT and 8 digits)",
                field=self.field_path,
                value=repr(self.value),
            )
        if self.problem == "title":
            return _("no title (%(field)s)", field=self.field_path)
        if self.problem == "control":
            return _("%(field)s contains a control character", field=self.field_path)
        return _(
            "%(field)s is %(found)s, not %(expected)s",
            field=self.field_path or _("the study"),
            found=KIND_NAMES[self.found],
            expected=KIND_NAMES[self.expected],
        )


# -- Reading a study: the type of every field is checked ------------------------------------


def get(parent: dict[str, Any], key: str, expected: str, path: str) -> Any:
    """``parent[key]`` if it is of the ``expected`` kind; absent or null: an empty one
    (``None`` for a number or a boolean)."""
    value = parent.get(key)
    where = f"{path}.{key}" if path else key
    if value is None:
        return {"object": {}, "list": [], "text": ""}.get(expected)
    if kind_of(value) != expected:
        raise StudyError(where, expected=expected, found=value)
    if expected == "text" and has_control_characters(value, multiline=key in MULTILINE_KEYS):
        raise StudyError(where, problem="control")
    return value


def items(parent: dict[str, Any], key: str, expected: str, path: str) -> list[Any]:
    """A list of which every item is of the ``expected`` kind."""
    values = get(parent, key, "list", path)
    for index, value in enumerate(values):
        if kind_of(value) != expected:
            raise StudyError(f"{path}.{key}[{index}]", expected=expected, found=value)
        if expected == "text" and has_control_characters(value):
            raise StudyError(f"{path}.{key}[{index}]", problem="control")
    return values


MULTILINE_KEYS = {"eligibilityCriteria", "description"}
PROTOCOL = "protocolSection"


def module(study: dict[str, Any], name: str) -> dict[str, Any]:
    return get(get(study, PROTOCOL, "object", ""), name, "object", PROTOCOL)
