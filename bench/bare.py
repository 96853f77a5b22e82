"""The bare baselines of the load benchmark: Flask + Flask-SQLAlchemy, nothing else.

Served by the same gunicorn settings as the app (``bench.load``), on the same
database, so the app's figures read as a ratio to what the stack itself costs:

- ``/bare/json/<id>``: one SELECT of a referral by primary key, as JSON;
- ``/bare/page``: a page laid out like the app's (head, navigation, a table) with
  25 rows from one indexed query (a centre's incoming referrals, newest first).

    gunicorn -w 2 -k sync bench.bare:app   # DATABASE_URL=postgresql+psycopg://…
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy

from config import normalise_database_url

db = SQLAlchemy()
app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
db.init_app(app)
CENTRE = int(os.environ.get("BARE_CENTRE_ID", "1"))


@app.get("/bare/json/<int:referral_id>")
def one_referral(referral_id: int):
    row = db.session.execute(
        sa.text(
            "SELECT id, reference, state, urgency, trial_id, receiving_centre_id, "
            "referring_centre_id, submitted_at, version FROM referrals WHERE id = :id"
        ),
        {"id": referral_id},
    ).first()
    if row is None:
        abort(404)
    data = row._asdict()
    data["submitted_at"] = data["submitted_at"].isoformat() if data["submitted_at"] else None
    return data


@app.get("/bare/page")
def page():
    rows = db.session.execute(
        sa.text(
            "SELECT id, reference, state, urgency, submitted_at FROM referrals "
            "WHERE receiving_centre_id = :centre AND state = 'submitted' "
            "ORDER BY submitted_at DESC LIMIT 25"
        ),
        {"centre": CENTRE},
    ).all()
    return render_template("bare_page.html", rows=rows)


@app.get("/bare/ready")
def ready():
    return "ok"
