"""Failed-login limits per account and per client address.

Uses the Flask-Limiter storage (memory in development, Redis in production) so
every web process sees the same counters.
"""

from __future__ import annotations

from flask import current_app
from limits import parse

from referral_app.extensions import limiter


def _limits() -> list[tuple[str, str, str]]:
    return [
        ("login-account", current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], "account"),
        ("login-ip", current_app.config["LOGIN_FAILURES_PER_IP"], "ip"),
    ]


def _keys(email: str, ip: str) -> dict[str, str]:
    return {"account": email.strip().lower(), "ip": ip or "unknown"}


def blocked_for_seconds(email: str, ip: str) -> int:
    """Seconds until a new attempt is allowed; 0 when not blocked."""
    keys = _keys(email, ip)
    wait = 0
    for namespace, spec, kind in _limits():
        item = parse(spec)
        if not limiter.limiter.test(item, namespace, keys[kind]):
            reset_at, _remaining = limiter.limiter.get_window_stats(item, namespace, keys[kind])
            import time

            wait = max(wait, int(reset_at - time.time()) + 1)
    return wait


def record_failure(email: str, ip: str) -> None:
    keys = _keys(email, ip)
    for namespace, spec, kind in _limits():
        limiter.limiter.hit(parse(spec), namespace, keys[kind])


def clear_account(email: str) -> None:
    for namespace, spec, kind in _limits():
        if kind == "account":
            limiter.limiter.clear(parse(spec), namespace, email.strip().lower())
