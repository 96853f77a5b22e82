"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from referral_app.forms import BaseForm
from referral_app.labels import ROLE_LABELS
from referral_app.models import Role
from referral_app.validators import EmailAddress, int_or_none


class CentreForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=40)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    region_id = SelectField(_l("Region"), coerce=int_or_none, validators=[DataRequired()])
    intake_email = EmailField(
        _l("Intake e-mail"), validators=[Optional(), EmailAddress(), Length(max=254)]
    )
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class CommunityForm(BaseForm):
    slug = StringField(
        _l("Slug (in addresses)"),
        validators=[
            DataRequired(),
            Length(max=60),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Lower-case letters, digits, dashes.")),
        ],
    )
    name_fr = StringField(_l("Name (French)"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=160)])
    tumour_sites = StringField(_l("Tumour sites"), validators=[Optional(), Length(max=300)])
    launched_on = DateField(_l("Launch date"), validators=[Optional()])
    partner = StringField(_l("Partner"), validators=[Optional(), Length(max=160)])
    leader_id = SelectField(_l("Leader"), coerce=int_or_none)
    description_fr = TextAreaField(_l("Description (French)"), validators=[Optional()])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional()])
    goals_fr = TextAreaField(_l("Goals (French), one per line"), validators=[Optional()])
    goals_en = TextAreaField(_l("Goals (English), one per line"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


def role_choices():
    return [(r.value, ROLE_LABELS[r]) for r in Role]


class UserForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])
    centre_id = SelectField(_l("Centre"), coerce=int_or_none, validators=[DataRequired()])
    language = SelectField(
        _l("Language"), choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    submit = SubmitField(_l("Save"))


class UserFilterForm(Form):
    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validate_choice=False)
    centre = SelectField(_l("Centre"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)


class AuditFilterForm(Form):
    user = StringField(_l("User (e-mail)"), validators=[Optional(), Length(max=254)])
    object_type = SelectField(_l("Object"), validate_choice=False)
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=12)])
    action = SelectField(_l("Action"), validate_choice=False)
