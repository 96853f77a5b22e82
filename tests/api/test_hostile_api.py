"""Hostile API input: each failure Schemathesis found, as a regular test.

Floats as integers, ids beyond the database's integers, control characters in
strings and query parameters, unknown parameters, transitions without the fields
their event requires. A 400 naming the field (or a 404 for an id in the path),
nothing changed, never a 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral_app.api.schemas import TRANSITION_SCHEMAS
from referral_app.inputs import MAX_ID
from referral_app.models import Comment, Referral
from referral_app.workflow.spec import SPECS
from tests.api.test_referrals_api import _new_referral


@pytest.mark.parametrize("value", [2.59e-42, 2.0, 1.5, True, "1", 10**40])
def test_integers_are_integers(api_as, cast, db, value):
    api = api_as(cast.referring["coordinator"])
    status, body = api.post("/api/v1/referrals", json=_new_referral(cast, prior_lines=value))
    assert status == 400
    assert set(body["error"]["fields"]) == {"prior_lines"}
    assert db.session.scalar(select(func.count(Referral.id))) == 0


@pytest.mark.parametrize(
    "query",
    [
        "trial=-614128372091173208064",
        f"trial={MAX_ID + 1}",
        "trial=1.5",
        "after=not%20a%20cursor",
        "after=" + "A" * 401,
        f"per_page={2**63}",
    ],
)
def test_query_ids_and_numbers_out_of_range_are_400_with_the_field(api_as, cast, query):
    api = api_as(cast.receiving["coordinator"])
    status, body = api.get(f"/api/v1/referrals?{query}")
    assert status == 400, body
    assert set(body["error"]["fields"]) == {query.partition("=")[0]}


def test_body_ids_out_of_range_are_400(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    for name in ("site_id", "patient_region_id", "redirect_from"):
        status, body = api.post("/api/v1/referrals", json=_new_referral(cast, **{name: 2**31}))
        assert status == 400 and set(body["error"]["fields"]) == {name}


@pytest.mark.parametrize("ident", [MAX_ID + 1, 10**30])
def test_path_ids_out_of_range_are_404_json(api_as, cast, ident):
    api = api_as(cast.receiving["coordinator"])
    for path in (f"/api/v1/referrals/{ident}", f"/api/v1/trials/{ident}"):
        status, body = api.get(path)
        assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x1b[2J", "\x7f", "\ud800"])
def test_control_characters_are_refused_in_every_string(api_as, cast, db, bad):
    api = api_as(cast.referring["coordinator"])
    for name in ("diagnosis", "histology", "stage", "biomarkers", "clinical_notes"):
        status, body = api.post("/api/v1/referrals", json=_new_referral(cast, **{name: bad}))
        assert status == 400, name
        assert body["error"]["fields"] == {
            name: "This field contains a character that is not allowed."
        }
    patient = {**_new_referral(cast)["patient"], "name": f"Jeanne{bad}"}
    status, body = api.post("/api/v1/referrals", json=_new_referral(cast, patient=patient))
    assert status == 400 and set(body["error"]["fields"]) == {"patient.name"}
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_multi_line_text_keeps_newlines_and_tabs(api_as, cast):
    api = api_as(cast.referring["coordinator"])
    status, body = api.post(
        "/api/v1/referrals", json=_new_referral(cast, clinical_notes="One\r\nTwo\tthree")
    )
    assert status == 201 and body["clinical_notes"] == "One\r\nTwo\tthree"
    status, body = api.post("/api/v1/referrals", json=_new_referral(cast, stage="IV\nB"))
    assert status == 400 and set(body["error"]["fields"]) == {"stage"}


def test_control_characters_in_transitions_comments_and_queries(api_as, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    api = api_as(cast.receiving["coordinator"])
    url = f"/api/v1/referrals/{referral.id}"
    status, body = api.post(f"{url}/comments", json={"body": "Bonjour\x00"})
    assert status == 400 and set(body["error"]["fields"]) == {"body"}
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    status, body = api.post(
        f"{url}/transitions",
        json={"event": "acknowledge", "version": referral.version, "note": "vu\x00"},
    )
    assert status == 400 and set(body["error"]["fields"]) == {"note"}
    for query in ("q=%00", "community=a%01"):
        status, body = api.get(f"/api/v1/trials?{query}")
        assert status == 400 and set(body["error"]["fields"]) == {query.partition("=")[0]}


def test_unknown_query_parameters_are_refused(api_as, cast):
    api = api_as(cast.receiving["coordinator"])
    status, body = api.get("/api/v1/referrals?stat=closed")
    assert status == 400 and set(body["error"]["fields"]) == {"stat"}


def test_a_transition_needs_its_events_fields_and_says_which(api_as, cast, db):
    referral = cast.referral("accepted")
    db.session.commit()
    api = api_as(cast.referring["coordinator"])
    url = f"/api/v1/referrals/{referral.id}/transitions"
    status, body = api.post(url, json={"event": "withdraw", "version": referral.version})
    assert status == 400 and set(body["error"]["fields"]) == {"reason_code"}
    status, body = api.post(
        url,
        json={
            "event": "withdraw",
            "version": float(referral.version),
            "reason_code": "other",
            "surprise": 1,
        },
    )
    assert status == 400 and set(body["error"]["fields"]) == {"version", "surprise"}
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state.value == "accepted"


def test_the_document_gives_each_event_its_own_body_from_the_specification(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/referrals/{referral_id}/transitions"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "event"
    assert set(body["discriminator"]["mapping"]) == {spec.event.value for spec in SPECS}
    components = document["components"]["schemas"]
    for spec in SPECS:
        name = TRANSITION_SCHEMAS[spec.event.value].__name__
        schema = components[name]
        assert schema["properties"]["event"]["enum"] == [spec.event.value]
        assert schema["additionalProperties"] is False
        if spec.event.value == "save_draft":
            continue
        assert set(schema["required"]) == {"event", "version"} | {
            f.name for f in spec.all_fields() if f.required
        }, spec.event
        assert set(schema["properties"]) == {"event", "version"} | {
            f.name for f in spec.all_fields()
        }
    withdraw = components["TransitionWithdraw"]
    assert "reason_code" in withdraw["required"]
    assert components["ReferralIn"]["properties"]["prior_lines"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 30,
        "nullable": True,
    }
