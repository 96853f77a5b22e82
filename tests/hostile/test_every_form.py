"""A NUL in every field of every form of the app's pages: never a 500, never saved.

(Before issue 11 such posts answered 500 on PostgreSQL, which refuses NUL in text.)

The forms are read from the real pages (``tests.forms.page_forms``), as a browser
would post them, for an administrator and for clinical staff with referrals.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from referral_app.models import Role
from tests.forms import page_forms

SKIP_ACTIONS = ("/logout", "/language/")


def _pages(network, trial, site, referral, draft):
    admin = [
        "/admin/centres/new",
        f"/admin/centres/{network.chus.id}/edit",
        "/admin/communities/new",
        f"/admin/communities/{network.community.id}/edit",
        "/admin/users/new",
        f"/admin/users/{network.chus_nurse.id}/edit",
        "/admin/users",
        "/trials/new",
        f"/trials/{trial.id}/edit",
        f"/trials/{trial.id}/sites/new",
        f"/trials/sites/{site.id}/edit",
        "/trials/import",
        "/profile/tokens",
        f"/communities/{network.community.slug}",
        "/reports/",
    ]
    staff = [
        f"/referrals/new/{site.id}",
        f"/referrals/{draft.id}/edit",
        f"/referrals/{referral.id}",
        "/preferences",
        "/password/change",
        "/profile/tokens",
    ]
    return admin, staff


@pytest.fixture
def story(make, network, db):
    trial = make.trial(network.community)
    site = make.site(trial, network.chus)
    other = make.site(trial, network.hclm)
    referral = make.referral("submitted", site=site, referring_user=network.chum_coordinator)
    draft = make.referral("draft", site=other, referring_user=network.chum_coordinator)
    make.user(network.chus, Role.COORDINATOR)
    db.session.commit()
    return trial, site, referral, draft


def test_a_nul_in_any_field_of_any_form_is_never_a_server_error(client, login, network, story, db):
    admin_pages, staff_pages = _pages(network, *story)
    errors = []
    for user, pages in ((network.admin, admin_pages), (network.chum_coordinator, staff_pages)):
        login(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (page, response.status_code)
            for action, data in page_forms(response.text):
                target = action or page
                if target.startswith(SKIP_ACTIONS):
                    continue
                for name in data:
                    if name == "csrf_token":
                        continue
                    values = data[name] or [""]
                    posted = {**data, name: [values[-1] + "\x00", *values[:-1]]}
                    answer = client.post(target, data=posted)
                    if answer.status_code >= 500:
                        errors.append((page, target, name, answer.status_code))
        client.post("/logout")
    assert errors == []
    assert _rows_holding_a_nul(db) == []


def _rows_holding_a_nul(db) -> list[str]:
    """Every text column of every table, searched for a NUL (SQLite would store one;
    PostgreSQL cannot, and refuses to be asked)."""
    found = []
    if db.engine.dialect.name != "sqlite":
        return found
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
                hit = db.session.execute(
                    sa.select(sa.func.count()).where(sa.func.instr(column, sa.func.char(0)) > 0)
                ).scalar()
                if hit:
                    found.append(f"{table.name}.{column.name}")
    return found
