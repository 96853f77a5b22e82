"""Hostile requests: oversized bodies, ids beyond the database's integers, control
characters in the address. Each answers a clear 4xx page (or JSON error), never a 500."""

from __future__ import annotations

import re
import time

import pytest

from referral_app.inputs import MAX_ID, IdConverter, NameConverter

BIG = 3 * 1024 * 1024  # above MAX_CONTENT_LENGTH (2 MB)


def test_a_body_over_the_limit_is_a_bilingual_413_page(client, login, network):
    french = client.post("/login", data={"email": "x" * BIG}, headers={"Accept-Language": "fr"})
    assert french.status_code == 413
    assert "Le formulaire est trop volumineux : au plus 256 Ko" in french.text  # French first
    login(network.admin)  # reads English
    english = client.post("/admin/centres/new", data={"name": "x" * BIG})
    assert english.status_code == 413
    assert "The form is too large: at most 256 KB of text." in english.text
    assert db_centres(network) == 4  # nothing saved


def db_centres(network) -> int:
    from sqlalchemy import func, select

    from referral_app.extensions import db
    from referral_app.models import Centre

    return db.session.scalar(select(func.count(Centre.id)))


def test_an_upload_over_the_limit_is_refused_before_it_is_parsed(client, login, network):
    login(network.admin)
    body = (
        b"--b\r\nContent-Disposition: form-data; name=file; filename=big.json\r\n"
        b"Content-Type: application/json\r\n\r\n[" + b" " * BIG + b"]\r\n--b--\r\n"
    )
    response = client.post(
        "/trials/import", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert "What you sent is too large: at most 2 MB." in response.text


def test_a_large_form_field_is_refused_at_once(client, login, network):
    login(network.admin)
    started = time.monotonic()
    response = client.post("/admin/centres/new", data={"name": "x" * (1024 * 1024)})
    assert response.status_code == 413
    assert time.monotonic() - started < 1


def test_an_api_body_over_the_limit_is_a_json_413(client, db, network):
    from referral_app.api import tokens

    _row, token = tokens.create_token(network.chum_coordinator, "t")
    db.session.commit()
    response = client.post(
        "/api/v1/referrals",
        data=b'{"site_id": 1, "clinical_notes": "' + b"x" * BIG + b'"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == {
        "code": "request_entity_too_large",
        "message": "Ce que vous avez envoyé est trop volumineux : au plus 2 Mo.",
    }


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        names = [name for name, conv in rule._converters.items() if isinstance(conv, IdConverter)]
        if names:
            yield rule, names


@pytest.mark.parametrize("ident", [MAX_ID + 1, 2**63, 10**40, "9" * 5000])
def test_ids_beyond_the_database_integer_answer_404_on_every_route(
    app, client, login, network, ident
):
    login(network.admin)
    rules = list(_int_rules(app))
    assert len(rules) > 25
    failures = []
    for rule, names in rules:
        path = rule.rule
        for name in names:
            path = path.replace(f"<int:{name}>", str(ident))
        path = path.replace("<", "").replace(">", "")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            status = client.open(path, method=method).status_code
            if status != 404:
                failures.append((method, rule.rule, status))
    assert failures == [], failures


def test_the_largest_id_still_routes(client, login, network):
    login(network.admin)
    assert client.get(f"/admin/centres/{MAX_ID}/edit").status_code == 404  # no such centre
    assert client.get(f"/admin/centres/{network.chum.id}/edit").status_code == 200


@pytest.mark.parametrize("query", ["q=%00", "q=a%01b", "page=%00", "%00=x"])
def test_control_characters_in_the_query_string_are_a_400(client, login, network, query):
    login(network.admin)
    for path in ("/trials", "/admin/users", "/admin/audit", "/reports/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, response.status_code)


@pytest.mark.parametrize("segment", ["a%00b", "%01", "x%0Ay", "%7F"])
def test_a_control_character_in_a_path_segment_answers_404(app, client, login, network, segment):
    """A NUL in a slug (/communities/<slug>) used to reach PostgreSQL: a 500."""
    login(network.admin)
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/static") or not any(
            isinstance(c, NameConverter) for c in rule._converters.values()
        ):
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<[^>]+>", segment, path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            status = client.open(path, method=method).status_code
            if status != 404:
                failures.append((method, rule.rule, status))
    assert failures == [], failures
