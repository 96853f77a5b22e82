"""Personal API tokens: CLI, profile page, hashing, revocation, deactivation."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from referral_app.models import ApiToken, Role


def _get(client, token, path="/api/v1/notifications"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(path, headers=headers)


def test_cli_prints_the_token_on_its_last_line(runner, make, db, client):
    user = make.user(role=Role.NURSE, email="nurse@example.test")
    db.session.commit()
    result = runner.invoke(args=["api-token", "create", "NURSE@example.test", "--name", "EHR"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    row = db.session.scalar(select(ApiToken))
    assert row.name == "EHR" and row.user_id == user.id
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.prefix) and token not in row.token_hash
    assert _get(client, token).status_code == 200
    missing = runner.invoke(args=["api-token", "create", "nobody@example.test"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_missing_bad_revoked_and_deactivated_tokens_get_401(make, db, client, login):
    user = make.user()
    db.session.commit()
    login(user)
    page = client.post("/profile/tokens", data={"name": "script"})
    assert page.status_code == 200
    row = db.session.scalar(select(ApiToken))
    html = page.get_data(as_text=True)
    token = html.split('id="new-token" readonly value="')[1].split('"')[0]
    assert token.startswith(row.prefix)
    assert _get(client, token).status_code == 200

    for bad in (None, "", "nope", token + "x"):
        response = _get(client, bad)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    user.active = False
    db.session.commit()
    assert _get(client, token).status_code == 401
    user.active = True
    db.session.commit()
    assert _get(client, token).status_code == 200

    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 302
    assert _get(client, token).status_code == 401
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None


def test_someone_else_cannot_revoke_my_token(make, db, client, login):
    owner, other = make.user(), make.user()
    from referral_app.api import tokens

    row, plain = tokens.create_token(owner, "mine")
    db.session.commit()
    login(other)
    client.post(f"/profile/tokens/{row.id}/revoke")
    assert _get(client, plain).status_code == 200


def test_api_is_rate_limited_per_token_with_a_json_429(app, api_as, cast, db):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        first = api_as(cast.referring["coordinator"])
        for _ in range(3):
            status, _body = first.get("/api/v1/trials")
            assert status == 200
        status, body = first.get("/api/v1/trials")
        assert status == 429
        assert body["error"]["code"] == "too_many_requests"
        other = api_as(cast.receiving["coordinator"])  # another token keeps its own budget
        assert other.get("/api/v1/trials")[0] == 200
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
