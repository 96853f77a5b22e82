"""Lists page by keyset: every row once, in the box's order, whatever the page size.

The pages and the API walk ``after`` cursors; a count stops at ``COUNT_CAP``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from referral_app import pagination
from referral_app.models import Referral
from referral_app.referrals import services
from referral_app.timeutil import utcnow
from tests.api.conftest import api_as  # noqa: F401 (the fixture)


@pytest.fixture
def inbox(cast, db, make):
    """Referrals to the receiving centre: open and closed, every urgency, ties in time."""
    same_moment = utcnow() - dt.timedelta(days=3)
    made = []
    for i, (state, urgency) in enumerate(
        [
            ("submitted", "routine"),
            ("acknowledged", "urgent"),
            ("declined", "urgent"),
            ("submitted", "priority"),
            ("accepted", "routine"),
            ("withdrawn", "routine"),
            ("submitted", "urgent"),
        ]
        * 2
    ):
        submitted_at = same_moment if i % 3 == 0 else same_moment - dt.timedelta(hours=i)
        made.append(cast.referral(state, urgency=urgency, submitted_at=submitted_at))
    db.session.commit()
    return made


def _walk(fetch) -> list[int]:
    ids, after = [], None
    for _ in range(100):
        page_ids, after = fetch(after)
        ids += page_ids
        if after is None:
            return ids
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("per_page", [1, 3, 25])
def test_the_inbox_pages_cover_every_row_once_in_order(cast, inbox, db, per_page):
    user = cast.receiving["coordinator"]
    expected = [r.id for r in db.session.scalars(services.incoming_query(user))]
    assert sorted(expected) == sorted(r.id for r in inbox)

    def fetch(after):
        page = services.box_page(user, "incoming", after=after, per_page=per_page)
        return [r.id for r in page.items], page.next_cursor

    assert _walk(fetch) == expected
    # Open work first, the most urgent first.
    ranks = [db.session.get(Referral, i).queue_rank for i in expected]
    assert ranks == sorted(ranks)
    first_closed = next(i for i, r in enumerate(expected) if db.session.get(Referral, r).closed_at)
    assert all(db.session.get(Referral, r).closed_at for r in expected[first_closed:])


def test_the_page_walks_with_next_page_links(client, login, cast, inbox, monkeypatch, app):
    monkeypatch.setitem(app.config, "PER_PAGE", 4)
    login(cast.receiving["coordinator"])
    seen, url, pages = [], "/referrals/incoming", 0
    while url and pages < 10:
        html = client.get(url).get_data(as_text=True)
        pages += 1
        seen += [r.reference for r in inbox if f">{r.reference}<" in html]
        found = re.search(r'href="([^"]*after=[^"]*)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert pages == 4
    assert sorted(seen) == sorted(r.reference for r in inbox)
    assert "14 results" in html


def test_the_api_walks_the_same_order(api_as, cast, inbox, db):  # noqa: F811
    user = cast.receiving["coordinator"]
    api = api_as(user)
    expected = [r.id for r in db.session.scalars(services.incoming_query(user))]

    def fetch(after):
        query = "/api/v1/referrals?box=incoming&per_page=4" + (f"&after={after}" if after else "")
        status, body = api.get(query)
        assert status == 200, body
        assert body["meta"]["count"] == len(expected)
        return [r["id"] for r in body["items"]], body["meta"]["next"]

    assert _walk(fetch) == expected


def test_a_forged_cursor_is_refused_not_a_500(api_as, cast, inbox, client, login):  # noqa: F811
    api = api_as(cast.receiving["coordinator"])
    for bad in ("bm9wZQ", "WzEsMl0", "W10", "WyJ4IiwieSIsInoiXQ"):
        status, body = api.get(f"/api/v1/referrals?box=incoming&after={bad}")
        assert status == 400 and "after" in body["error"]["fields"], (bad, body)
    login(cast.receiving["coordinator"])
    assert client.get("/referrals/incoming?after=W10").status_code == 200  # back to page 1


def test_counts_stop_at_the_cap(cast, inbox, monkeypatch):
    stmt = services.incoming_query(cast.receiving["coordinator"])
    assert pagination.capped_count(stmt, cap=5) == (5, True)
    assert pagination.capped_count(stmt, cap=100) == (len(inbox), False)
    assert pagination.capped_count(select(Referral).where(Referral.id < 0)) == (0, False)
