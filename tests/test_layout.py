"""The shared layout: navigation, user menu, form field attributes."""

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


def test_form_fields_carry_only_the_attributes_that_apply(client):
    html = client.get("/login").text
    assert '="None"' not in html
    assert html.count("autofocus") == 1  # the e-mail field only


def test_invalid_field_is_described_by_its_error(client):
    html = client.post("/login", data={"email": "nope", "password": "x"}).text
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="email-error"' in html
    assert 'id="email-error"' in html
