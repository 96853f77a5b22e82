"""Personal API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import Length, Optional

from referral_app import templating
from referral_app.api import tokens
from referral_app.extensions import db
from referral_app.forms import BaseForm

bp = Blueprint("profile", __name__, url_prefix="/profile")

templating.add_nav_item(10, "profile.tokens", _l("API tokens"), menu="user")


class TokenForm(BaseForm):
    name = StringField(
        _l("Token name"),
        validators=[Optional(), Length(max=80)],
        render_kw={"placeholder": _l("e.g. Hospital EHR bridge")},
    )


@bp.route("/tokens", methods=["GET", "POST"], endpoint="tokens")
@login_required
def tokens_page():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _row, new_token = tokens.create_token(current_user, form.name.data or "")
        except tokens.TokenError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Copy your new token now: it will not be shown again."), "warning")
    elif request.method == "POST":
        flash(_("Please correct the fields marked below."), "danger")
    return render_template(
        "profile/tokens.html",
        form=form,
        new_token=new_token,
        tokens=tokens.user_tokens(current_user),
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    try:
        tokens.revoke_token(current_user, token_id)
    except tokens.TokenError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Token revoked."), "success")
    return redirect(url_for("profile.tokens"))
