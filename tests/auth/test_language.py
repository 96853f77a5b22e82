"""Language switcher and per-user preference."""

from __future__ import annotations

from referral_app.models import Language


def test_switcher_changes_language_for_anonymous(client):
    assert 'lang="fr"' in client.get("/").text
    response = client.post("/language/en", data={"next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert 'lang="en"' in page.text
    assert "Communities of practice" in page.text


def test_preference_is_kept_on_the_user(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    client.post("/language/en", data={"next": "/home"})
    db.session.refresh(user)
    assert user.language == Language.EN
    client.post("/logout")
    login(user)
    assert 'lang="en"' in client.get("/home").text


def test_preferences_form_saves_email_mode(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    response = client.post("/preferences", data={"language": "fr", "email_mode": "digest"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_mode.value == "digest"


def test_preferences_reject_bad_values(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    response = client.post("/preferences", data={"language": "xx", "email_mode": "sometimes"})
    assert response.status_code == 200
    assert "is-invalid" in response.text


def test_unknown_language_is_refused(client):
    response = client.post("/language/de", data={"next": "/"})
    assert response.status_code == 302
    assert 'lang="fr"' in client.get("/").text
