"""Language selection: the session's choice, then the user's preference, then French.

Outside a web request (workers, CLI) there is no session: callers pick the
language with ``flask_babel.force_locale``; otherwise French is used.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language.value in languages:
        return current_user.language.value
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(languages)) or default
    return default
