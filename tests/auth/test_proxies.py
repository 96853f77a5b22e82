"""X-Forwarded-For is believed only behind ``TRUSTED_PROXIES`` proxies (ProxyFix)."""

from __future__ import annotations

import pytest
from flask import request

from referral_app import create_app
from referral_app.extensions import db


@pytest.fixture
def app_with_proxies(app_config):
    created_apps = []

    def make(trusted: int):
        class Config(type(app_config)):
            TRUSTED_PROXIES = trusted

        created = create_app(Config())
        created.add_url_rule("/_test/address", "test_address", lambda: request.remote_addr or "")
        created_apps.append(created)
        return created

    yield make
    for created in created_apps:  # their connections closed here, not by the collector
        with created.app_context():
            db.engine.dispose()


def _address(app, **headers) -> str:
    return (
        app.test_client()
        .get("/_test/address", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        .text
    )


def test_forwarded_for_is_ignored_without_trusted_proxies(app_with_proxies, app):
    assert app.config["TRUSTED_PROXIES"] == 0
    assert _address(app_with_proxies(0), **{"X-Forwarded-For": "203.0.113.5"}) == "10.0.0.1"


def test_forwarded_for_is_honoured_behind_one_trusted_proxy(app_with_proxies):
    proxied = app_with_proxies(1)
    assert _address(proxied, **{"X-Forwarded-For": "203.0.113.5"}) == "203.0.113.5"
    # Only the last hop, the one our proxy added: a client's own header is not believed.
    spoofed = {"X-Forwarded-For": "1.2.3.4, 203.0.113.5"}
    assert _address(proxied, **spoofed) == "203.0.113.5"
    assert _address(app_with_proxies(2), **spoofed) == "1.2.3.4"


def test_trusted_proxies_comes_from_the_environment():
    """Read in a fresh interpreter: reloading ``config`` here would replace its classes
    (``ConfigError``…) under the other tests' feet."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    read = "import config; print(config.Config.TRUSTED_PROXIES)"
    for value, expected in (("2", "2"), ("", "0")):
        env = {**os.environ, "TRUSTED_PROXIES": value}
        done = subprocess.run(
            [sys.executable, "-c", read], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.stdout.strip() == expected, done.stderr
