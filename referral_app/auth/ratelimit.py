"""Failed-login limits per account and per client address.

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
    return [
        ("login-account", current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], "account"),
        ("login-ip", current_app.config["LOGIN_FAILURES_PER_IP"], "ip"),
    ]


def _keys(email: str, ip: str) -> dict[str, str]:
    return {"account": email.strip().lower(), "ip": ip or "unknown"}


def blocked_for_seconds(email: str, ip: str) -> int:
    """Seconds until a new attempt is allowed; 0 when not blocked."""
    keys = _keys(email, ip)

    def wait(strategy: RateLimiter) -> int:
        longest = 0
        for namespace, spec, kind in _limits():
            item = parse(spec)
            if not strategy.test(item, namespace, keys[kind]):
                reset_at, _remaining = strategy.get_window_stats(item, namespace, keys[kind])
                longest = max(longest, int(reset_at - time.time()) + 1)
        return longest

    return fallback.run(wait)


def record_failure(email: str, ip: str) -> None:
    keys = _keys(email, ip)

    def hit(strategy: RateLimiter) -> None:
        for namespace, spec, kind in _limits():
            strategy.hit(parse(spec), namespace, keys[kind])

    fallback.run(hit)


def clear_account(email: str) -> None:
    def clear(strategy: RateLimiter) -> None:
        for namespace, spec, kind in _limits():
            if kind == "account":
                strategy.clear(parse(spec), namespace, email.strip().lower())

    fallback.run(clear)
