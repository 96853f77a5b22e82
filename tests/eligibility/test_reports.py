"""The reports' eligibility figures: criterion kinds, "sent despite", the finder's use."""

from __future__ import annotations

from referral_app.eligibility import summary as summary_module
from referral_app.eligibility.finder import find, record_search
from referral_app.reports.eligibility import NOT_NAMED, figures
from referral_app.reports.scope import CENTRE, NETWORK, Filters, Scope
from referral_app.workflow import engine
from tests.eligibility.conftest import EGFR_PATIENT, EGFR_TRIAL


def _close(referral, user, event, reason, criterion=None):
    data = {"reason_code": reason, "note": "Checked at the visit."}
    if criterion:
        data["criterion_id"] = criterion
    engine.apply_event(referral, event, user, version=referral.version, data=data)


def test_kinds_sent_despite_and_the_finder(client, login, cast, db, with_criteria):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    receiver = cast.receiving["coordinator"]
    fits = {"ecog": 1, "prior_lines": 0}  # nothing "not met" in what the builder fills
    ecog_decline = cast.referral("submitted", ecog=3, prior_lines=0)  # not met at submission
    _close(ecog_decline, receiver, "decline", "not_eligible", "ecog")
    lines_fail = cast.referral("screening", **fits)
    _close(lines_fail, receiver, "screen_fail", "inclusion_not_met", "lines")
    unnamed = cast.referral("acknowledged", **fits)
    _close(unnamed, receiver, "decline", "no_capacity")
    started = cast.referral("submitted", **fits)
    started.origin = "finder"
    record_search(
        cast.referring["coordinator"],
        summary_module.parse(EGFR_PATIENT),
        find(summary_module.parse(EGFR_PATIENT), cast.referring["coordinator"]),
        channel="web",
    )
    db.session.commit()

    network = figures(Scope(NETWORK), Filters())
    assert network.by_kind == {"ecog_max": (1, 0), "prior_lines": (0, 1), NOT_NAMED: (1, 0)}
    assert network.kind_rows()[-1][0] is None  # "no criterion named" comes last
    assert network.sent_despite == 1
    assert {s.value: n for s, n in network.sent_despite_outcomes.items()} == {"declined": 1}
    assert network.searches == 1 and network.started_from_finder == 1
    assert {s.value: n for s, n in network.finder_outcomes.items()} == {"submitted": 1}
    # A centre's manager counts its own users' searches only.
    receiving = figures(Scope(CENTRE, centre_id=receiver.centre_id), Filters())
    referring = figures(Scope(CENTRE, centre_id=cast.referring["coordinator"].centre_id), Filters())
    assert (receiving.searches, referring.searches) == (0, 1)

    login(cast.referring["manager"])
    page = client.get("/reports/").get_data(as_text=True)
    assert 'data-table="criterion-kinds"' in page
    assert 'data-figure="finder-started">1<' in page
