"""Forms of the community pages and of the public join request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from referral_app.forms import BaseForm
from referral_app.validators import EmailAddress


class AddMemberForm(BaseForm):
    email = EmailField(
        _l("E-mail of an existing user"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
    )
    submit = SubmitField(_l("Add the member"))


class JoinRequestForm(BaseForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=160)])
    email = EmailField(
        _l("Professional e-mail"), validators=[DataRequired(), EmailAddress(), Length(max=254)]
    )
    centre_id = SelectField(_l("Centre"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    message = TextAreaField(
        _l("Message to the community's leader"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Send my request"))
