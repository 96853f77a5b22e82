"""API fixtures: the workflow cast, and bearer tokens for its users."""

from __future__ import annotations

import pytest

from referral_app.api import tokens
from tests.referrals.conftest import Cast, cast  # noqa: F401 (the fixture)


class ApiClient:
    """The test client with a user's token; ``get``/``post`` return (status, json)."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def _headers(self):
        # Messages in English, as a hospital system would ask; French is the default.
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}

    @property
    def headers(self) -> dict[str, str]:
        return self._headers()

    def get(self, path, **kw):
        response = self.client.get(path, headers=self._headers(), **kw)
        return response.status_code, response.get_json()

    def post(self, path, json=None, **kw):
        response = self.client.post(path, json=json, headers=self._headers(), **kw)
        return response.status_code, response.get_json()

    def put(self, path, json=None, **kw):
        response = self.client.put(path, json=json, headers=self._headers(), **kw)
        return response.status_code, response.get_json()


@pytest.fixture
def api_as(client, db):
    """``api_as(user)``: an ApiClient with a fresh token of ``user``."""

    def _as(user) -> ApiClient:
        _row, plain = tokens.create_token(user, "tests")
        db.session.commit()
        return ApiClient(client, plain)

    return _as


__all__ = ["Cast", "api_as", "cast"]
