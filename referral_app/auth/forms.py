from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, SubmitField
from wtforms.validators import DataRequired, Length

from referral_app.forms import BaseForm
from referral_app.validators import EmailAddress


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Log in"))


class PreferencesForm(BaseForm):
    language = RadioField(
        _l("Language"), choices=[("fr", "Français"), ("en", "English")], validators=[DataRequired()]
    )
    email_mode = RadioField(
        _l("E-mail notifications"),
        choices=[
            ("immediate", _l("Immediately, one e-mail per event")),
            ("digest", _l("Once a day, in a digest")),
        ],
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save preferences"))
