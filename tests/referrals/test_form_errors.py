"""The referral form says everything at once (issue 16, item 4): the fields needed to
submit are marked from the start; a refused submit lists every problem in one pass,
each on its field and once in a summary at the top that links to it."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from referral_app.models import Referral
from referral_app.workflow import guards
from tests.referrals.test_views import _form, _html


def _field_error(html: str, field_id: str) -> str:
    """The error text the field's ``aria-describedby`` points at."""
    tag = re.search(rf'<[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, field_id
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described and f"{field_id}-error" in described.group(1), tag.group(0)
    error = re.search(rf'id="{field_id}-error"[^>]*>([^<]*)<', html)
    return error.group(1).strip()


def test_the_fields_needed_to_submit_are_marked_from_the_start(client, login, cast, db):
    db.session.commit()
    login(cast.referring["coordinator"])
    html = _html(client.get(f"/referrals/new/{cast.site.id}"))
    assert "data-required-legend" in html
    for name in guards.SUBMIT_REQUIRED:
        tag = re.search(rf'<(input|select|textarea)[^>]*\bid="{name}"[^>]*>', html)
        assert tag and " required" in tag.group(0), name


def test_a_refused_submit_lists_format_and_missing_fields_in_one_pass(client, login, cast, db):
    """It took two submits: the date's format first, the missing fields next time."""
    db.session.commit()
    login(cast.referring["coordinator"])
    data = _form(cast, action="submit", date_of_birth="15/03/1960", diagnosis="", stage="")
    html = _html(client.post(f"/referrals/new/{cast.site.id}", data=data))
    assert db.session.scalar(select(func.count(Referral.id))) == 0  # nothing saved
    assert _field_error(html, "date_of_birth")  # the format
    assert _field_error(html, "diagnosis") == "This field is required."  # and what is missing
    assert _field_error(html, "stage") == "This field is required."
    summary = re.search(r"<div[^>]*data-form-errors.*?</div>", html, re.S).group(0)
    assert 'href="#date_of_birth"' in summary and 'href="#diagnosis"' in summary
    assert html.count("Please correct the fields marked below.") == 1


def test_missing_identifiers_are_said_on_the_patients_name(client, login, cast, db):
    """ "Patient identifiers are required" was attached to no field."""
    db.session.commit()
    login(cast.referring["coordinator"])
    data = _form(
        cast,
        action="submit",
        patient_name="",
        date_of_birth="",
        health_insurance_number="",
        phone="",
    )
    html = _html(client.post(f"/referrals/new/{cast.site.id}", data=data))
    assert "identifiers" in _field_error(html, "patient_name")
    assert 'href="#patient_name"' in html


def test_a_refused_action_reopens_with_its_errors_inline_and_what_was_typed(
    client, login, cast, db
):
    """The request-information panel came back collapsed and its error was "shown
    below", out of sight; what was typed was lost."""
    referral = cast.referral("submitted")
    db.session.commit()
    login(cast.receiving["coordinator"])
    response = client.post(
        f"/referrals/{referral.id}/events/decline",
        data={"version": str(referral.version), "note": "Kept text", "reason_code": ""},
    )
    assert response.status_code == 422
    html = _html(response)
    panel = re.search(r'<details[^>]*data-action="decline".*?</details>', html, re.S).group(0)
    assert "<details" in panel and " open" in panel.split(">", 1)[0]
    assert _field_error(panel, "decline-reason_code")
    assert ">Kept text</textarea>" in panel
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state.value == "submitted"


def test_an_empty_comment_is_told_to_write_something(client, login, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    login(cast.referring["coordinator"])
    response = client.post(f"/referrals/{referral.id}/comments", data={"body": "  "})
    page = _html(client.get(response.location.split("#")[0]))
    assert "Write your message before sending it." in page and "5000 characters" not in page
