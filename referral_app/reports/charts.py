"""Chart.js configurations for the report page (drawn by ``static/js/app.js``).

Each function returns a plain dict that the template puts, as JSON, in a
``<canvas data-chart='…'>``; every chart has a data table next to it.
"""

from __future__ import annotations

from typing import Any

from referral_app.labels import label
from referral_app.reports import queries
from referral_app.reports.labels import FUNNEL_LABELS
from referral_app.workflow.spec import OUTCOME_STATES

BRAND = "#0b5563"
TEAL = "#4fa8b3"
GREEN = "#166534"
RED = "#b91c1c"
AMBER = "#b45309"
GREY = "#64748b"

# One colour per outcome state, in lifecycle order (a new outcome fails loudly here).
OUTCOME_COLOURS = dict(zip(OUTCOME_STATES, (AMBER, RED, GREY), strict=True))


def _options(aspect_ratio: float = 2, **extra: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "responsive": True,
        "aspectRatio": aspect_ratio,
        "plugins": {"legend": {"position": "bottom"}},
    }
    options.update(extra)
    return options


def trend_chart(trend: list[queries.MonthRow], names: dict[str, str]) -> dict[str, Any]:
    def line(key: str, colour: str) -> dict[str, Any]:
        return {
            "label": names[key],
            "data": [getattr(month, key) for month in trend],
            "borderColor": colour,
            "backgroundColor": colour,
            "tension": 0.2,
        }

    return {
        "type": "line",
        "data": {
            "labels": [month.month for month in trend],
            "datasets": [
                line("submitted", BRAND),
                line("accepted", TEAL),
                line("enrolled", GREEN),
            ],
        },
        "options": _options(scales={"y": {"beginAtZero": True, "ticks": {"precision": 0}}}),
    }


def funnel_chart(steps: list[queries.FunnelStep], title: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {
            "labels": [str(FUNNEL_LABELS[step.key]) for step in steps],
            "datasets": [
                {
                    "label": title,
                    "data": [step.count for step in steps],
                    "backgroundColor": [BRAND, "#2b7a87", TEAL, "#7cc3c9", GREEN],
                }
            ],
        },
        "options": _options(
            1.6,
            indexAxis="y",
            plugins={"legend": {"display": False}},
            scales={"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
        ),
    }


def reasons_chart(reasons: list[queries.ReasonCount], title: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {
            "labels": [f"{label('state', r.state)} · {r.label}" for r in reasons],
            "datasets": [
                {
                    "label": title,
                    "data": [r.count for r in reasons],
                    "backgroundColor": [OUTCOME_COLOURS[r.state] for r in reasons],
                }
            ],
        },
        "options": _options(
            1.6,
            indexAxis="y",
            plugins={"legend": {"display": False}},
            scales={"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
        ),
    }
