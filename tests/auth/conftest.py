"""A production-mode gunicorn server on the tests' database, with its access log."""

from __future__ import annotations

import re

import pytest
import requests

from tests.faults.conftest import WebServer, redis_server  # noqa: F401
from tests.trials.conftest import network  # noqa: F401


@pytest.fixture
def web(app, database_url, redis_server, tmp_path):  # noqa: F811
    """gunicorn with ``PASSERELLE_ENV=production`` and an access log (``web.access_log``).

    It shares the tests' secret key, so links rendered by the tests work there.
    """
    access_log = tmp_path / "access.log"
    server = WebServer(
        {
            "PASSERELLE_ENV": "production",
            "PASSERELLE_INSTANCE": str(tmp_path),
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": database_url,
            "PATIENT_DATA_KEYS": ",".join(app.config["PATIENT_DATA_KEYS"]),
            "PATIENT_HASH_KEY": app.config["PATIENT_HASH_KEY"],
            "REDIS_URL": redis_server.url,
            "CELERY_QUEUE": "auth-tests-unconsumed",
            "PUBLIC_BASE_URL": "http://localhost",
        },
        tmp_path,
        args=("--access-logfile", str(access_log)),
    ).start()
    server.access_log = access_log
    yield server
    server.stop()


class Browser:
    """Requests to the real server; the ``Secure`` session cookie is sent by hand over HTTP."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookie: str | None = None

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        response = requests.request(
            method, self.base_url + path, headers=headers, allow_redirects=False, timeout=10,
            **kwargs,
        )  # fmt: skip
        for header in response.raw.headers.getlist("Set-Cookie"):
            match = re.match(r"session=([^;]*)", header)
            if match:
                self.cookie = match.group(1) or None
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, token_from: str | None = None):
        """POST a form with the CSRF token of the page ``token_from`` (default: ``path``)."""
        page = self.get(token_from or path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert match, page.text[:500]
        return self.request("POST", path, data={"csrf_token": match.group(1), **(data or {})})


@pytest.fixture
def browser(web):
    return lambda: Browser(web.url)
