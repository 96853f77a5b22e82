"""Two editors of one trial's criteria: a save over a version the editor did not read
is refused with their text kept, never a silent overwrite; two saves at the same
moment make one version."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral_app.api import tokens
from referral_app.eligibility.service import set_criteria
from referral_app.models import EligibilityVersion, Trial
from tests.concurrency import at_once
from tests.eligibility.conftest import EGFR_TRIAL
from tests.forms import page_form
from tests.services import require_postgres_pass

ECOG_2 = '[{"id": "ecog", "kind": "ecog_max", "max": 2}]'


def test_a_save_over_a_newer_version_is_refused_and_the_text_kept(client, login, cast, db, api_as):
    trial = cast.site.trial
    set_criteria(trial, EGFR_TRIAL, None)  # version 1
    db.session.commit()
    login(cast.receiving["coordinator"])
    url = f"/trials/{trial.id}/eligibility"
    read = page_form(client.get(url).text, having="criteria")  # the editor reads version 1
    assert read["based_on"] == ["1"]
    # Meanwhile the community's other editor saves version 2 through the API.
    other = api_as(cast.receiving["nurse"])
    status, body = other.put(
        f"/api/v1/trials/{trial.id}/eligibility",
        json={"criteria": EGFR_TRIAL[:1], "note": "amendment 2", "version": 1},
    )
    assert status == 200 and body["version"] == 2

    stale = client.post(url, data={**read, "criteria": [ECOG_2]})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Version 2 of the criteria was saved while you were editing" in page
    assert "&#34;max&#34;: 2" in page or '"max": 2' in page  # their text, kept
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).criteria == body["criteria"]  # version 2 stands
    # Having read version 2 (the form now says so), the editor saves over it.
    again = page_form(page, having="criteria")
    assert again["based_on"] == ["2"]
    assert client.post(url, data=again).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Trial, trial.id)
    assert saved.eligibility_version == 3 and saved.criteria[0]["max"] == 2


def test_the_api_refuses_a_stale_version_and_changes_nothing(cast, db, api_as):
    trial = cast.site.trial
    set_criteria(trial, EGFR_TRIAL, None)
    set_criteria(trial, EGFR_TRIAL[:1], None)  # version 2
    db.session.commit()
    editor = api_as(cast.receiving["coordinator"])
    url = f"/api/v1/trials/{trial.id}/eligibility"
    status, body = editor.put(url, json={"criteria": [], "version": 1})
    assert status == 409 and body["error"]["code"] == "stale"
    assert body["error"]["current_version"] == 2
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).criteria == EGFR_TRIAL[:1]
    assert (
        db.session.scalar(
            select(EligibilityVersion.number)
            .where(EligibilityVersion.trial_id == trial.id)
            .order_by(EligibilityVersion.number.desc())
        )
        == 2
    )


def _race(app, db, cast):
    trial = cast.site.trial
    set_criteria(trial, EGFR_TRIAL, None)
    editors = [cast.receiving["coordinator"], cast.receiving["nurse"]]
    plain = [tokens.create_token(user, "race")[1] for user in editors]
    db.session.commit()
    trial_id = trial.id

    def save(i: int) -> int:
        return (
            app.test_client()
            .put(
                f"/api/v1/trials/{trial_id}/eligibility",
                json={"criteria": [{"id": "ecog", "kind": "ecog_max", "max": i % 5}]},
                headers={"Authorization": f"Bearer {plain[i % 2]}"},
            )
            .status_code
        )

    results = at_once(6, save)
    numbers = db.session.scalars(
        select(EligibilityVersion.number).where(EligibilityVersion.trial_id == trial_id)
    ).all()
    # Without a version each save goes over the one it read: they run one after the
    # other, or one wins and the rest are told; never two rows of one number.
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert results.count(200) == len(numbers) - 1 and set(results) <= {200, 409}, results
    db.session.expire_all()
    assert db.session.get(Trial, trial_id).eligibility_version == max(numbers)


@pytest.mark.postgres
def test_simultaneous_saves_on_postgresql(app, db, cast):
    require_postgres_pass()
    _race(app, db, cast)


def test_simultaneous_saves_on_the_current_database(app, db, cast):
    _race(app, db, cast)
