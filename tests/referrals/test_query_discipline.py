"""Query discipline: a list's statements do not grow with its rows (issue 12).

Each list page and API list is requested with a few rows, then again after many
more (other trials, sites, referrers, comments, events, notifications), so a
lazy load per row or a query per item shows as a larger count.
"""

from __future__ import annotations

import pytest

from referral_app.models import Role
from referral_app.workflow import engine
from tests.api.conftest import api_as  # noqa: F401 (the fixture)

PAGES = [
    "/home",
    "/referrals/incoming",
    "/referrals/outgoing",
    "/notifications/",
    "/trials/",
    "/directory",
]
API_LISTS = [
    "/api/v1/referrals",
    "/api/v1/referrals?box=incoming",
    "/api/v1/referrals?box=outgoing",
    "/api/v1/notifications",
    "/api/v1/trials",
    "/api/v1/referrals/{referral}/events",
    "/api/v1/referrals/{referral}/comments",
]


def _grow(cast, make, db, referral, n: int) -> None:
    """``n`` more referrals both ways, each to another trial and by another person;
    comments and events on ``referral``."""
    receiving_centre, referring_centre = cast.site.centre, cast.referring["coordinator"].centre
    for i in range(n):
        site = make.site(make.trial(), receiving_centre)
        make.referral(
            "acknowledged" if i % 2 else "submitted",
            site=site,
            referring_user=make.user(referring_centre, Role.PHYSICIAN),
        )
        back = make.site(make.trial(), referring_centre)
        make.referral("submitted", site=back, referring_user=make.user(receiving_centre))
        engine.add_comment(referral, cast.receiving["coordinator"], f"Message {i}")
    db.session.commit()


@pytest.fixture
def scene(cast, make, db):
    referral = cast.referral("acknowledged")
    engine.add_comment(referral, cast.referring["coordinator"], "First message")
    db.session.commit()
    # A first row each way by other people: every relation a list loads apart
    # (one IN query each) is loaded in the first count too, not only in the second.
    _grow(cast, make, db, referral, 1)
    return referral


def _counts(fetch, paths, count_queries) -> dict[str, int]:
    counts = {}
    for path in paths:
        fetch(path)  # once first: a token's or a session's bookkeeping write is not the list's
        with count_queries() as counter:
            response = fetch(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = counter.count
    return counts


def test_pages_do_not_query_per_row(client, login, cast, make, db, scene, count_queries):
    user = cast.receiving["coordinator"]
    login(user)
    few = _counts(client.get, PAGES, count_queries)
    _grow(cast, make, db, scene, 30)
    many = _counts(client.get, PAGES, count_queries)
    assert many == few


def test_api_lists_do_not_query_per_row(api_as, cast, make, db, scene, count_queries):  # noqa: F811
    api = api_as(cast.receiving["coordinator"])
    paths = [p.format(referral=scene.id) for p in API_LISTS]

    def fetch(path):
        return api.client.get(path, headers=api.headers)

    few = _counts(fetch, paths, count_queries)
    _grow(cast, make, db, scene, 30)
    many = _counts(fetch, paths, count_queries)
    assert many == few
