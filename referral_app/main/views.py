"""Home page: the user's centre, role and what needs their attention."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from referral_app import attention

bp = Blueprint("main", __name__)


@bp.route("/home")
@login_required
def home():
    return render_template("main/home.html", items=attention.items_for(current_user))
