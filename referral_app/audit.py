"""Writing the audit trail. Rows join the caller's transaction; nothing commits here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from referral_app.extensions import db
from referral_app.models import AuditLog


def record(
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    user_id: int | None = None,
    reason: str | None = None,
    **details: Any,
) -> AuditLog:
    """Add an audit row: ``action`` is a verb such as ``view_identifiers`` or ``update``."""
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    row = AuditLog(
        user_id=user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=request.remote_addr if has_request_context() else None,
        reason=reason,
        details=details,
    )
    db.session.add(row)
    return row


def plain(value: Any) -> Any:
    """``value`` as JSON for the audit details: enums by value, dates in ISO format."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list]:
    """Set attributes; return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list] = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [plain(old), plain(value)]
            setattr(obj, name, value)
    return changes
