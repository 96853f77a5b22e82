"""The navigation bar: one active entry, personal pages in the user's menu."""

from __future__ import annotations

import re

from referral_app.models import Role


def _active_nav_links(html: str) -> list[str]:
    return re.findall(r'class="nav-link active"[^>]*href="([^"]+)"', html)


def test_only_the_current_page_is_active(client, make, db, login):
    user = make.user(role=Role.COORDINATOR)
    db.session.commit()
    login(user)
    page = client.get("/referrals/new")
    assert page.status_code == 200
    assert _active_nav_links(page.text) == ["/referrals/new"]


def test_personal_pages_are_in_the_user_menu(client, make, db, login):
    user = make.user(role=Role.COORDINATOR)
    db.session.commit()
    login(user)
    html = client.get("/home").text
    menu = html[html.index('class="dropdown-menu') :]
    assert "/profile/tokens" in menu
    assert "/password/change" in menu
    navbar = html[: html.index('class="dropdown-menu')]
    assert "/password/change" not in navbar


def test_login_page_links_to_password_reset(client):
    assert "/password/forgot" in client.get("/login").text
