"""Human labels of the audit log (issue 16: the page showed ``view_identifiers`` and
a Python dict of filters). Every action the code records has a label here (a test
reads the code for them); the page and its filter show these, in the reader's
language, with the code beside for whoever searches the database."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "accept_biomarker_proposal": _l("Biomarker proposal accepted"),
    "add_member": _l("Member added"),
    "apply_registry_change": _l("Registry change applied"),
    "approve": _l("Approved"),
    "clear_watch": _l("Removed from the watchlist"),
    "confirm_site": _l("Site status confirmed"),
    "create": _l("Created"),
    "deactivate": _l("Deactivated"),
    "decline": _l("Declined"),
    "delete": _l("Deleted"),
    "delete_document": _l("Document deleted"),
    "dismiss_biomarker_proposal": _l("Biomarker proposal dismissed"),
    "download_document": _l("Document downloaded"),
    "duplicate_elsewhere": _l("Same patient referred elsewhere (not shown)"),
    "export": _l("Exported"),
    "export_downloaded": _l("Export downloaded"),
    "export_requested": _l("Export requested"),
    "export_written": _l("Export written"),
    "find_trials": _l("Trial finder search"),
    "map_facility": _l("Facility mapped to a centre"),
    "mfa_disable": _l("Two-step verification turned off"),
    "mfa_enable": _l("Two-step verification turned on"),
    "mfa_recovery_code_used": _l("Recovery code used"),
    "mfa_reset": _l("Two-step verification reset"),
    "password_change": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "password_reset_requested": _l("Password reset requested"),
    "publish": _l("Published"),
    "purge_document": _l("Document purged (retention)"),
    "reactivate": _l("Reactivated"),
    "reject": _l("Rejected"),
    "reject_registry_change": _l("Registry change rejected"),
    "remove_member": _l("Member removed"),
    "retry_notification": _l("Notification sent again"),
    "revoke": _l("Revoked"),
    "send_password_link": _l("Password link sent"),
    "sweep_document_orphans": _l("Orphan files removed"),
    "update": _l("Updated"),
    "update_eligibility": _l("Eligibility criteria updated"),
    "upload_document": _l("Document uploaded"),
    "view_document_thumbnail": _l("Document thumbnail viewed"),
    "view_identifiers": _l("Patient identifiers viewed"),
}

OBJECTS = {
    "api_token": _l("API token"),
    "centre": _l("Centre"),
    "community": _l("Community"),
    "document": _l("Document"),
    "export_job": _l("Export"),
    "join_request": _l("Join request"),
    "notification": _l("Notification"),
    "referral": _l("Referral"),
    "report": _l("Report"),
    "trial": _l("Trial"),
    "trial_finder": _l("Trial finder"),
    "trial_site": _l("Trial site"),
    "user": _l("User"),
}


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def object_label(code: str) -> str:
    return str(OBJECTS.get(code, code))


def detail_text(value: Any) -> str:
    """A detail's value in words: lists joined, mappings as "key: value", no braces."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, dict):
        return "; ".join(f"{key}: {detail_text(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(detail_text(item) for item in value)
    return str(value)
