"""Control characters in the referral pages: the draft, an event's note, a message.

These pages read the workflow's own parsing (``drafts.parse_draft``,
``fields.parse_fields``, ``engine.add_comment``), shared with the API: a NUL is a
field's error, and nothing changes.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral_app.models import Comment, Referral, ReferralEvent
from referral_app.workflow import engine
from referral_app.workflow.errors import TransitionInputError

MESSAGE = "This field contains a character that is not allowed."


@pytest.mark.parametrize("bad", ["\x00", "a\x1bb", "\x7f"])
def test_a_draft_with_a_control_character_is_refused_field_by_field(cast, db, bad):
    referral = cast.referral("draft")
    db.session.commit()
    user = cast.referring["coordinator"]
    for name in ("diagnosis", "stage", "clinical_notes", "patient_name", "phone"):
        with pytest.raises(TransitionInputError) as refused:
            engine.apply_event(
                referral, "save_draft", user, version=referral.version, data={name: bad}
            )
        assert refused.value.fields == {name: MESSAGE}
        db.session.rollback()
    assert engine.apply_event(
        referral, "save_draft", user, version=referral.version, data={"clinical_notes": "a\nb\tc"}
    )


def test_the_web_event_form_refuses_a_nul_in_its_note(client, login, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    events = db.session.scalar(select(func.count(ReferralEvent.id)))
    login(cast.receiving["coordinator"])
    response = client.post(
        f"/referrals/{referral.id}/events/acknowledge",
        data={"version": referral.version, "note": "seen\x00"},
        follow_redirects=True,
    )
    assert MESSAGE in response.text
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state.value == "submitted"
    assert db.session.scalar(select(func.count(ReferralEvent.id))) == events


def test_the_web_message_form_refuses_a_nul(client, login, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    login(cast.receiving["coordinator"])
    response = client.post(
        f"/referrals/{referral.id}/comments", data={"body": "Bonjour\x00"}, follow_redirects=True
    )
    assert MESSAGE in response.text
    assert db.session.scalar(select(func.count(Comment.id))) == 0
