"""Language selection: the user's preference, then the session, then French."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language.value in languages:
        return current_user.language.value
    if request and request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(languages)) or "fr"
    return current_app.config["BABEL_DEFAULT_LOCALE"]
