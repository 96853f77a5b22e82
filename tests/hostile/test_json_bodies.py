"""JSON the decoder chokes on, sent to the API and to the pages: a 400, never a 500."""

from __future__ import annotations

import pytest

BODIES = {
    "nested too deep": "[" * 100_000,
    "an integer of 5,000 digits": '{"site_id": 1' + "0" * 5000 + "}",
    "a list": "[1, 2]",
    "a number": "3",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_the_api_refuses_json_it_cannot_read(client, db, network, body):
    from referral_app.api import tokens

    _row, token = tokens.create_token(network.chum_coordinator, "t")
    db.session.commit()
    response = client.post(
        "/api/v1/referrals",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("body", [*BODIES.values(), '{"name": "X"}'])
def test_a_page_form_posted_as_json_is_refused_field_by_field(client, login, network, body):
    login(network.admin)
    response = client.post("/admin/centres/new", data=body, content_type="application/json")
    assert response.status_code == 200
    assert "This field is missing from what was sent." in response.text
