"""Failed-login limits: per account, per (address, account), and a per-address ceiling.

A lock is keyed by the account (every address together, against distributed
guessing) and by the address and the account together, so failures on one
account never lock another one out from the same address (a hospital's NAT).
The per-address ceiling is high (``LOGIN_FAILURES_PER_IP``, 300 per 15 minutes)
for the same reason. Second-factor failures are limited per user
(``MFA_FAILURES_PER_USER``).

Uses the Flask-Limiter storage (memory in development, Redis in production) so
every web process sees the same counters. When that storage cannot be reached
(Redis down), counting goes on in this process (a warning is logged) and the
shared storage is tried again after ``RETRY_SHARED_AFTER`` seconds: logins keep
working, and keep being limited, while Redis is away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from referral_app.extensions import limiter

log = logging.getLogger("passerelle.ratelimit")
RETRY_SHARED_AFTER = 30.0
T = TypeVar("T")


class _Fallback:
    """This process's counters, used while the shared storage is unreachable."""

    def __init__(self) -> None:
        self.limiter: RateLimiter = FixedWindowRateLimiter(MemoryStorage())
        self.down_until = 0.0
        self.lock = threading.Lock()

    def run(self, action: Callable[[RateLimiter], T]) -> T:
        if time.monotonic() >= self.down_until:
            try:
                return action(limiter.limiter)
            except Exception as error:  # noqa: BLE001 (any storage failure: count here)
                with self.lock:
                    self.down_until = time.monotonic() + RETRY_SHARED_AFTER
                log.warning(
                    "Rate-limit storage unreachable (%s); counting in this process for %.0f s.",
                    type(error).__name__,
                    RETRY_SHARED_AFTER,
                )
        return action(self.limiter)


fallback = _Fallback()


def _limits() -> list[tuple[str, str, str]]:
    config = current_app.config
    return [
        ("login-account", config["LOGIN_FAILURES_PER_ACCOUNT"], "account"),
        ("login-ip-account", config["LOGIN_FAILURES_PER_IP_ACCOUNT"], "ip_account"),
        ("login-ip", config["LOGIN_FAILURES_PER_IP"], "ip"),
    ]


def _keys(email: str, ip: str) -> dict[str, str]:
    account = email.strip().lower()
    address = ip or "unknown"
    return {"account": account, "ip": address, "ip_account": f"{address}|{account}"}


def _wait(strategy: RateLimiter, limits: list[tuple[str, str, str]], keys: dict[str, str]) -> int:
    longest = 0
    for namespace, spec, kind in limits:
        item = parse(spec)
        if not strategy.test(item, namespace, keys[kind]):
            reset_at, _remaining = strategy.get_window_stats(item, namespace, keys[kind])
            longest = max(longest, int(reset_at - time.time()) + 1)
    return longest


def blocked_for_seconds(email: str, ip: str) -> int:
    """Seconds until a new attempt is allowed; 0 when not blocked."""
    keys = _keys(email, ip)
    limits = _limits()
    return fallback.run(lambda strategy: _wait(strategy, limits, keys))


def record_failure(email: str, ip: str) -> None:
    keys = _keys(email, ip)
    limits = _limits()

    def hit(strategy: RateLimiter) -> None:
        for namespace, spec, kind in limits:
            strategy.hit(parse(spec), namespace, keys[kind])

    fallback.run(hit)


def clear_account(email: str, ip: str | None = None) -> None:
    """After a success: the account's counters (and this address's on it) start again."""
    keys = _keys(email, ip or "")
    kinds = {"account", "ip_account"} if ip is not None else {"account"}
    limits = _limits()

    def clear(strategy: RateLimiter) -> None:
        for namespace, spec, kind in limits:
            if kind in kinds:
                strategy.clear(parse(spec), namespace, keys[kind])

    fallback.run(clear)


# --- Second factor ---------------------------------------------------------------


def _mfa_limit() -> list[tuple[str, str, str]]:
    return [("mfa-user", current_app.config["MFA_FAILURES_PER_USER"], "account")]


def mfa_blocked_for_seconds(user_id: int) -> int:
    keys = {"account": str(user_id)}
    limits = _mfa_limit()
    return fallback.run(lambda strategy: _wait(strategy, limits, keys))


def record_mfa_failure(user_id: int) -> None:
    spec = current_app.config["MFA_FAILURES_PER_USER"]
    fallback.run(lambda strategy: strategy.hit(parse(spec), "mfa-user", str(user_id)))


def clear_mfa(user_id: int) -> None:
    spec = current_app.config["MFA_FAILURES_PER_USER"]
    fallback.run(lambda strategy: strategy.clear(parse(spec), "mfa-user", str(user_id)))
