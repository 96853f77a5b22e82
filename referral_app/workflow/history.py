"""The referral's history: one ``ReferralEvent`` row per event, written here only.

``data`` keeps what the timeline shows besides the note and the reason: dates in
ISO form, the study subject ID, the sites and trials involved (with a label, so
the timeline reads the same after they are renamed), old and new values of a
correction. Never patient identifiers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from referral_app.extensions import db
from referral_app.models import Referral, ReferralEvent, Trial, TrialSite, User
from referral_app.workflow.states import Event, ReferralState

KEPT_OUT = ("note", "reason_code")


def record(
    referral: Referral,
    event: Event,
    actor: User,
    *,
    from_state: ReferralState | None,
    to_state: ReferralState,
    now: dt.datetime,
    values: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> ReferralEvent:
    values = values or {}
    reason = values.get("reason_code")
    row = ReferralEvent(
        referral=referral,
        event=event.value,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.id,
        created_at=now,
        reason_code=reason.value if reason is not None else None,
        note=values.get("note") or "",
        data={**event_data(values), **event_data(data or {})},
    )
    db.session.add(row)
    return row


def event_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of an event's values (without the note and the reason)."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name in KEPT_OUT or value is None:
            continue
        data.update(plain(name, value))
    return data


def plain(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, TrialSite):
        stem = name.removesuffix("_id")
        return {name: value.id, f"{stem}_label": f"{value.centre.short_name} · {value.trial.label}"}
    if isinstance(value, Trial):
        return {name: value.id, name.removesuffix("_id") + "_label": value.label}
    if isinstance(value, dt.date):
        return {name: value.isoformat()}
    if hasattr(value, "value"):  # an enum
        return {name: value.value}
    if isinstance(value, list | tuple):  # several choices
        return {name: [getattr(v, "value", v) for v in value]}
    return {name: value}
