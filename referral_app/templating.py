"""Jinja globals and filters shared by every template."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import format_number, get_locale
from flask_login import current_user

from referral_app import i18n, permissions
from referral_app.labels import label
from referral_app.reports.labels import percent


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        label=label,
        permissions=permissions,
        current_language=lambda: str(get_locale() or "fr"),
        nav_items=nav_items,
        site_unverified=_site_unverified,
        percent=percent,
        eligibility_sections=_eligibility_sections,
        biomarker_proposals=_biomarker_proposals,
        registry_status_label=_registry_status_label,
        review_flags=_review_flags,
        review_flag_label=_review_flag_label,
    )
    app.jinja_env.filters["datetime"] = i18n.format_datetime
    app.jinja_env.filters["date"] = i18n.format_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["tumour_site"] = _tumour_site_label
    app.jinja_env.filters["registry_markdown"] = _registry_markdown
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _eligibility_sections(text: str | None) -> dict[str, list[str]]:
    from referral_app.trials.ctgov import eligibility_sections

    return eligibility_sections(text)


def _registry_markdown(text: str | None):
    from referral_app.trials.markdown import inline

    return inline(text)


def _tumour_site_label(text: str | None) -> str:
    from referral_app.eligibility.vocabulary import tumour_site_label

    return tumour_site_label(text)


def _biomarker_proposals(trial) -> list[str]:
    from referral_app.trials.biomarker_proposals import open_proposals

    return open_proposals(trial)


def _registry_status_label(raw: str | None) -> str:
    from referral_app.trials.ctgov import registry_status_label

    return registry_status_label(raw)


def _review_flags(trial) -> list[str]:
    from referral_app.trials.review import flags

    return flags(trial)


def _review_flag_label(code: str) -> str:
    from referral_app.trials.review import FLAGS

    return str(FLAGS.get(code, code))


def _site_unverified(site) -> bool:
    from referral_app.trials.confirmation import is_unverified

    return is_unverified(site)


_nav_registry: list[tuple[int, str, object, object, str]] = []


def add_nav_item(
    order: int, endpoint: str, text, visible=lambda user: True, menu: str = "main"
) -> None:
    """Features add their navigation entries here (``text`` is a lazy string).

    ``menu`` is ``"main"`` (the navigation bar) or ``"user"`` (the user's menu).
    """
    _nav_registry.append((order, endpoint, text, visible, menu))


def nav_items(menu: str = "main") -> list[tuple[str, str, bool]]:
    """(endpoint, label, active) for the logged-in navigation bar.

    The item whose endpoint is the current page is active; on other pages of a
    blueprint, the blueprint's first item is.
    """
    visible = [
        (endpoint, str(text))
        for _order, endpoint, text, is_visible, where in sorted(_nav_registry, key=lambda r: r[0])
        if where == menu and current_user.is_authenticated and is_visible(current_user)
    ]
    active = next((e for e, _t in visible if e == request.endpoint), None)
    if active is None:
        active = next((e for e, _t in visible if e.split(".")[0] == request.blueprint), None)
    return [(endpoint, text, endpoint == active) for endpoint, text in visible]
