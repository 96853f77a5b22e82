"""The authorization matrix and the header sweep, generated from the app's ``url_map``.

Every rule × method × principal (anonymous; a coordinator, nurse, physician,
manager and admin at the referring, receiving and a third centre) is requested.
The expected answer comes from ``permissions.ROUTES``, the table that declares
each route's rule: allowed principals get their page, others the declared
refusal, anonymous users the login page (or 401 from the API). A refused write
changes nothing. Every answer, whatever its status, carries the security headers
and ``Cache-Control: no-store`` (static files aside). A route missing from the
table fails the first test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from referral_app import permissions
from referral_app.api import tokens
from referral_app.extensions import db as _db
from referral_app.models import (
    ExportJob,
    JoinRequest,
    Language,
    Notification,
    Referral,
    Role,
)
from tests.conftest import PASSWORD, log_in

ROLES = (Role.COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.MANAGER, Role.ADMIN)
RELATIONS = ("referring", "receiving", "third")
HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# What a request may write without changing anything a person did.
BOOKKEEPING_TABLES = {"user_sessions", "audit_logs"}
BOOKKEEPING_COLUMNS = {"last_used_at", "last_seen_at", "last_login_at"}


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


def test_every_route_declares_its_rule(app):
    missing = sorted({r.endpoint for r in _rules(app)} - set(permissions.ROUTES))
    assert not missing, f"routes without a rule in permissions.ROUTES: {missing}"
    stale = sorted(set(permissions.ROUTES) - {r.endpoint for r in _rules(app)})
    assert not stale, f"rules for routes that no longer exist: {stale}"


@dataclass
class Principal:
    label: str
    user: object | None
    relation: str | None
    client: object
    token: str | None


@dataclass
class World:
    referral: Referral
    site: object
    community: object
    join_request: JoinRequest
    member: object
    notification: Notification
    token_id: int
    job: ExportJob
    document_id: int
    principals: list[Principal]


def _log_in(client, user) -> None:
    response = log_in(client, user, PASSWORD)
    assert response.status_code == 302, response.data[:300]


@pytest.fixture
def world(app, make, db) -> World:
    region = make.region()
    centres = {relation: make.centre(region) for relation in RELATIONS}
    users = {
        (relation, role): make.user(centres[relation], role, language=Language.EN)
        for relation in RELATIONS
        for role in ROLES
    }
    trial = make.trial()
    site = make.site(trial, centres["receiving"])
    site.intake_contacts = [users[("receiving", Role.COORDINATOR)]]
    referral = make.referral(
        "submitted", site=site, referring_user=users[("referring", Role.COORDINATOR)]
    )
    community = make.community()
    community.leader = users[("referring", Role.PHYSICIAN)]
    member = users[("third", Role.NURSE)]
    make.member(member, community)
    join_request = JoinRequest(
        community=community,
        name="A. Candidate",
        email="candidate@example.test",
        centre_id=centres["third"].id,
        role=Role.NURSE,
    )
    db.session.add(join_request)
    owner = users[("referring", Role.COORDINATOR)]
    token_row, _plain = tokens.create_token(owner, "owned")
    job = ExportJob(user_id=owner.id, kind="referrals", file_format="csv", status="queued")
    db.session.add(job)
    document = make.document(referral, owner)
    db.session.commit()
    notification = db.session.scalars(sa.select(Notification).order_by(Notification.id)).first()
    assert notification is not None  # the submission told the receiving centre
    plain_tokens = {key: tokens.create_token(user, "matrix")[1] for key, user in users.items()}
    db.session.commit()
    principals = [Principal("anonymous", None, None, app.test_client(), None)]
    for (relation, role), user in users.items():
        client = app.test_client()
        _log_in(client, user)
        principals.append(
            Principal(
                f"{role.value}@{relation}", user, relation, client, plain_tokens[relation, role]
            )
        )
    return World(
        referral,
        site,
        community,
        join_request,
        member,
        notification,
        token_row.id,
        job,
        document.id,
        principals,
    )


def _url_values(rule, world: World) -> dict:
    values = {
        "referral_id": world.referral.id,
        "trial_id": world.site.trial_id,
        "site_id": world.site.id,
        "slug": world.community.slug,
        "request_id": world.join_request.id,
        "user_id": world.member.id,
        "centre_id": world.site.centre_id,
        "community_id": world.community.id,
        "notification_id": world.notification.id,
        "token_id": world.token_id,
        "job_id": world.job.id,
        "document_id": world.document_id,
        "token": "not-a-token",
        "code": "fr",
        "event": "acknowledge",
        "name": "missing.eml",
        "filename": "css/app.css",
    }
    return {name: values[name] for name in rule.arguments}


def _target(access: permissions.Access, world: World, endpoint: str):
    if access.target == "referral":
        return world.referral
    if access.target == "site":
        return world.site
    if access.target == "trial":
        return world.site.trial
    if access.target == "community":
        return world.community
    if access.target == "owned":
        return {
            "notifications": world.notification,
            "profile": _db.session.get(tokens.ApiToken, world.token_id),
            "reports": world.job,
        }[endpoint.split(".")[0]]
    return None


def _fingerprint() -> str:
    digest = hashlib.sha256()
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in BOOKKEEPING_COLUMNS]
            for row in conn.execute(sa.select(*columns).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _api_body(endpoint: str, world: World) -> dict:
    """A body the API accepts, so that the answer is about who asks, not what."""
    return {
        "api_referrals.add_comment": {"body": "Any news?"},
        "api_referrals.transition": {"event": "acknowledge", "version": world.referral.version},
        "api_referrals.create_referral": {"site_id": world.site.id, "urgency": "routine"},
        "api_trials.put_eligibility": {"criteria": [{"id": "e", "kind": "ecog_max", "max": 1}]},
    }.get(endpoint, {})


def _request(principal: Principal, method: str, path: str, body: dict):
    headers = {"Accept-Language": "en"}
    if path.startswith("/api/") and principal.token:
        headers["Authorization"] = f"Bearer {principal.token}"
    sends_json = path.startswith("/api/") and method in ("POST", "PUT")
    kwargs = {"json": body} if sends_json else {"data": {}}
    return principal.client.open(path, method=method, headers=headers, **kwargs)


def _expected(access, principal: Principal, target) -> int | None:
    """None: allowed; else the declared answer (401: anonymous, sent to log in)."""
    return access.answer(principal.user, target)


def _check_headers(response, endpoint: str, where: str) -> list[str]:
    problems = []
    for name, part in HEADERS.items():
        if part not in response.headers.get(name, ""):
            problems.append(f"{where}: header {name} missing")
    if endpoint != "static" and response.headers.get("Cache-Control") != "no-store":
        problems.append(f"{where}: Cache-Control {response.headers.get('Cache-Control')!r}")
    return problems


def _refusal_problem(response, expected: int | None, api: bool) -> str | None:
    status = response.status_code
    sent_to_login = status == 302 and "/login" in response.headers.get("Location", "")
    if expected == 401:
        ok = status == 401 if api else sent_to_login
        return None if ok else f"anonymous got {status}, not {'401' if api else 'the login page'}"
    if expected is not None:
        return None if status == expected else f"got {status}, not {expected}"
    if status in (401, 403, 404) or sent_to_login:
        return f"allowed but got {status}"
    if status >= 500:
        return f"server error {status}"
    return None


def test_the_matrix_and_the_headers(app, world, monkeypatch):
    """Every route × method × principal answers as its declared rule says."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    problems: list[str] = []
    cells = 0
    for rule in _rules(app):
        access = permissions.ROUTES[rule.endpoint]
        path = rule.build(_url_values(rule, world), append_unknown=False)[1]
        api = path.startswith("/api/")
        target = _target(access, world, rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for principal in world.principals:
                expected = _expected(access, principal, target)
                writes = method != "GET"
                if writes and expected is None:
                    continue  # what an allowed write does is each feature's own test
                before = _fingerprint() if writes else None
                response = _request(principal, method, path, _api_body(rule.endpoint, world))
                cells += 1
                where = f"{method} {path} as {principal.label}"
                problem = _refusal_problem(response, expected, api)
                if problem:
                    problems.append(f"{where}: {problem}")
                problems.extend(_check_headers(response, rule.endpoint, where))
                response.close()
                if writes and _fingerprint() != before:
                    problems.append(f"{where}: a refused write changed data")
                    _db.session.rollback()
    assert cells > 800
    assert not problems, "\n".join(problems[:60]) + f"\n({len(problems)} problems)"


def test_hsts_only_where_configured(app, client, monkeypatch):
    from config import ProductionConfig, TestingConfig

    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert TestingConfig.HSTS_SECONDS == 0


def test_hsts_header_when_configured():
    """``register_headers`` on a bare Flask app: no database, nothing to leak."""
    from flask import Flask

    from referral_app.security import register_headers

    bare = Flask(__name__)
    bare.config["HSTS_SECONDS"] = 31536000
    register_headers(bare)
    bare.add_url_rule("/", "index", lambda: "ok")
    response = bare.test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["Cache-Control"] == "no-store"
