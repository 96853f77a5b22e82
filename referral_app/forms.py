"""The base of every form the app posts: what was sent is exactly what is saved.

``BaseForm`` (a ``FlaskForm``) adds two rules to every field of a posted form
(issue 11):

- **a missing field is an error**, never "keep the old value" nor "unchecked":
  a post of an edit form with only its CSRF token fails field by field and
  changes nothing. Check boxes and multiple selects, which a browser leaves out
  when nothing is ticked, render a hidden companion input so the real page
  always sends them;
- **no control character** (NUL…) in any value; tab everywhere, and newline and
  carriage return in multi-line text (``TextAreaField``), are allowed.

Forms read from the query string (report filters, GET) are not "posted":
their absent parameters keep their defaults.
"""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import BooleanField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.widgets import CheckboxInput, HiddenInput, Select

from referral_app.form_messages import AppTranslations
from referral_app.inputs import has_control_characters

POSTED_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MISSING = _l("This field is missing from what was sent. Nothing was saved.")
CONTROL_CHARACTER = _l("This field contains a character that is not allowed.")


def _with_companion(widget, field, **kwargs):
    """The input, after a hidden one of the same name: the field is always sent."""
    companion = HiddenInput()(field, id=f"{field.id}-sent", value="")
    return companion + widget(field, **kwargs)


class _SentCheckbox(CheckboxInput):
    def __call__(self, field, **kwargs):
        return _with_companion(super().__call__, field, **kwargs)


class _SentSelect(Select):
    def __call__(self, field, **kwargs):
        return _with_companion(super().__call__, field, **kwargs)


class SentBooleanField(BooleanField):
    """A check box that is always sent: ticked is any value but the companion's ``""``."""

    widget = _SentCheckbox()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "BooleanField"  # the form macros' name for it

    def process_formdata(self, valuelist):
        self.data = any(value not in self.false_values for value in valuelist)


class SentSelectMultipleField(SelectMultipleField):
    """A multiple select that is always sent; the companion's ``""`` is no choice."""

    widget = _SentSelect(multiple=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectMultipleField"

    def process_formdata(self, valuelist):
        super().process_formdata([value for value in valuelist if value != ""])


_SENT = {BooleanField: SentBooleanField, SelectMultipleField: SentSelectMultipleField}


class BaseForm(FlaskForm):
    """Every posted form of the app inherits this (a test checks it)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # WTForms' messages in the app's own wording (``form_messages``).
            return AppTranslations()

        def bind_field(self, form, unbound_field, options):
            sent = _SENT.get(unbound_field.field_class)
            if sent is not None:
                unbound_field.field_class = sent
            return super().bind_field(form, unbound_field, options)

        def wrap_formdata(self, form, formdata):
            # The rules apply to the body of the request, read implicitly; a form
            # given other data (report filters from the query string) is the
            # caller's business.
            form._reads_request_body = formdata is _Auto and form.is_submitted()
            if form._reads_request_body and request.is_json:
                # The pages post forms, never JSON (Flask-WTF would read any JSON
                # value, a list or a nesting too deep, as the form: a 500).
                return request.form
            return super().wrap_formdata(form, formdata)

    _reads_request_body = False

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self._reads_request_body and request.method in POSTED_METHODS):
            return valid
        sent = request.files.keys() | request.form.keys()
        for field in self:
            if isinstance(field, SubmitField) or field.name == self.meta.csrf_field_name:
                continue
            if field.name not in sent:
                field.errors = [*field.errors, MISSING]
                valid = False
                continue
            multiline = isinstance(field, TextAreaField)
            values = [v for v in (field.raw_data or []) if isinstance(v, str)]
            if any(has_control_characters(v, multiline=multiline) for v in values):
                field.errors = [*field.errors, CONTROL_CHARACTER]
                valid = False
        return valid
