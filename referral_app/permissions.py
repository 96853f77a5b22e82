"""Who may see and do what (DESIGN §1). Views, the API and workers all ask here.

Functions take the acting user first and return a bool; none touches the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select

from referral_app.enums import CLINICAL_ROLES, INTAKE_ROLES, Role
from referral_app.extensions import db
from referral_app.models import Community
from referral_app.workflow.states import ReferralState

if TYPE_CHECKING:
    from referral_app.models import Referral, Trial, TrialSite, User


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def is_clinical(user: User) -> bool:
    """Coordinators, nurses and physicians: the people who handle patients."""
    return user.is_authenticated and user.role in CLINICAL_ROLES


def can_file_referral(user: User) -> bool:
    return is_clinical(user)


def side_of(user: User, referral: Referral) -> str | None:
    """``"referring"``, ``"receiving"`` or None for the user's centre on this referral."""
    if user.centre_id == referral.referring_centre_id:
        return "referring"
    if user.centre_id == referral.receiving_centre_id:
        return "receiving"
    return None


def can_view_referral(user: User, referral: Referral) -> bool:
    """The two centres' staff and admins open a referral; others get 404."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or side_of(user, referral) is not None


def can_see_patient_data(user: User, referral: Referral, *, reason: str | None = None) -> bool:
    """Identifiers and clinical content: summary, notes, comments, documents.

    Clinical staff of the two centres; an admin only with a stated ``reason``,
    which the caller records (``patient_data.reveal``). Managers never: their
    reports need the state, dates, trial, centres and reason codes, not the patient.
    """
    if is_clinical(user) and side_of(user, referral) is not None:
        return True
    return is_admin(user) and bool(reason and reason.strip())


def can_add_documents(user: User, referral: Referral) -> bool:
    """Clinical staff of either centre; only the referring side while it is a draft.

    A closed referral still takes documents (the screening report or the signed
    consent comes with or after the outcome), except a withdrawn one: the patient
    or the referrer ended it, so nothing more about the patient is sent.
    """
    side = side_of(user, referral)
    if not is_clinical(user) or side is None or referral.state == ReferralState.WITHDRAWN:
        return False
    return side == "referring" or not referral.is_draft


def admin_needs_reason(user: User, referral: Referral) -> bool:
    """Admins are never clinical staff: they see patient data only with a reason."""
    return is_admin(user) and not can_see_patient_data(user, referral)


def can_act_for_receiving(user: User, referral: Referral) -> bool:
    """Coordinators and nurses of the receiving centre; physicians on the site team."""
    if user.centre_id != referral.receiving_centre_id:
        return False
    if user.role in INTAKE_ROLES:
        return True
    if user.role == Role.PHYSICIAN:
        return any(contact.id == user.id for contact in referral.site.intake_contacts)
    return False


def can_act_for_referring(user: User, referral: Referral) -> bool:
    return is_clinical(user) and user.centre_id == referral.referring_centre_id


def can_view_reports(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return user.role in (Role.MANAGER, Role.ADMIN) or is_community_leader(user)


def is_community_leader(user: User) -> bool:
    leads = select(Community.id).where(Community.leader_id == user.id).limit(1)
    return db.session.scalar(leads) is not None


def can_manage_trials(user: User) -> bool:
    return is_admin(user)


def can_manage_site(user: User, site: TrialSite) -> bool:
    if is_admin(user):
        return True
    return user.role in INTAKE_ROLES and user.centre_id == site.centre_id


def can_manage_community(user: User, community: Community) -> bool:
    return is_admin(user) or (user.is_authenticated and community.leader_id == user.id)


def can_edit_eligibility(user: User, trial: Trial) -> bool:
    """Admins, the leader of the trial's community, and the coordinators and nurses of
    a centre where the trial has a site (issue 14)."""
    if is_admin(user):
        return True
    if not user.is_authenticated:
        return False
    community = trial.community
    if community is not None and community.leader_id == user.id:
        return True
    return user.role in INTAKE_ROLES and any(s.centre_id == user.centre_id for s in trial.sites)


def can_review_trial(user: User, trial: Trial) -> bool:
    """Who publishes an imported study: admins and the leader of its community."""
    if is_admin(user):
        return True
    community = trial.community
    return user.is_authenticated and community is not None and community.leader_id == user.id


def can_review_imports(user: User) -> bool:
    """Who has a review queue: admins and community leaders."""
    return user.is_authenticated and (is_admin(user) or is_community_leader(user))


def can_review_watchlist(user: User, referral: Referral) -> bool:
    """The referring centre's clinical staff keep its watchlist."""
    return is_clinical(user) and user.centre_id == referral.referring_centre_id


def can_open_a_site(user: User) -> bool:
    """Admins anywhere; coordinators and nurses at their own centre."""
    return is_admin(user) or (user.is_authenticated and user.role in INTAKE_ROLES)


def owns(user: User, row: object) -> bool:
    """The row is the user's own (a notification, a token, an export job)."""
    owner = getattr(row, "recipient_id", None) or getattr(row, "user_id", None)
    return user.is_authenticated and owner == user.id


# -- Who gets each route -----------------------------------------------------------
#
# Every endpoint of the app is declared here with the rule its view applies, the
# object of its URL the rule is about, and the answer to those the rule refuses.
# ``tests/test_route_access.py`` builds the matrix route × role × relation to the
# object (referring, receiving or third centre; anonymous) from this table and the
# app's ``url_map``, and checks every answer; a route missing here fails it.


@dataclass(frozen=True)
class Access:
    """``allows(user, target)`` says who gets the route; others get ``refused``.

    ``allows`` None: anyone, anonymous included. Otherwise anonymous users are sent
    to the login page (pages) or get 401 (API). ``target``: the URL's object the
    rule is about ("referral", "site", "community", "owned"), passed to ``allows``.
    """

    allows: Callable[[User, Any], bool] | None
    target: str | None = None
    refused: int = 403
    # When set, who may know the target exists at all: others get 404 before
    # ``allows`` is asked (a referral's comments: 404 to a third centre, 403 to a
    # manager of one of its centres).
    visible: Callable[[User, Any], bool] | None = None

    def answer(self, user: User | None, target: Any) -> int | None:
        """None when ``user`` is allowed; else the status they get (401: log in)."""
        if self.allows is None:
            return None
        if user is None or not user.is_authenticated:
            return 401
        if self.visible is not None and not self.visible(user, target):
            return 404
        return None if self.allows(user, target) else self.refused


def _anyone_logged_in(user: User, _target: Any) -> bool:
    return user.is_authenticated


def _dev_mailbox(_user: User, _target: Any) -> bool:
    return bool(current_app.config.get("SHOW_DEV_MAILBOX"))


PUBLIC = Access(None)
LOGGED_IN = Access(_anyone_logged_in)
ADMIN = Access(lambda user, _t: is_admin(user))
REFERRAL = Access(can_view_referral, "referral", refused=404)
FILE_REFERRAL = Access(lambda user, _t: can_file_referral(user))
REPORTS = Access(lambda user, _t: can_view_reports(user))
OWN = Access(owns, "owned", refused=404)
# Revoking another's token: the page says there is no such token of yours.
OWN_TOKEN = Access(owns, "owned", refused=302)
REFERRAL_CLINICAL = Access(
    lambda user, referral: can_see_patient_data(user, referral),
    "referral",
    visible=can_view_referral,
)
# Documents: a third centre and a manager are told there is no such thing (404).
DOCUMENTS = Access(lambda user, referral: can_see_patient_data(user, referral), "referral", 404)
ADMIN_WITH_REASON = Access(
    lambda user, referral: is_admin(user) and can_view_referral(user, referral), "referral", 404
)
MANAGE_TRIALS = Access(lambda user, _t: can_manage_trials(user))
MANAGE_SITE = Access(can_manage_site, "site")
OPEN_SITE = Access(lambda user, _t: can_open_a_site(user))
MANAGE_COMMUNITY = Access(can_manage_community, "community")
DEV_MAILBOX = Access(_dev_mailbox, refused=404)
CLINICAL = Access(lambda user, _t: is_clinical(user))
EDIT_ELIGIBILITY = Access(can_edit_eligibility, "trial")
WATCHLIST = Access(can_review_watchlist, "referral", refused=404)
REVIEW_TRIAL = Access(lambda user, trial: can_review_trial(user, trial), "trial")
REVIEW_QUEUE = Access(lambda user, _t: can_review_imports(user))

ROUTES: dict[str, Access] = {
    "static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    **{
        f"public.{name}": PUBLIC
        for name in ("index", "communities", "community", "join", "centres", "directory")
    },
    "public.trial": PUBLIC,
    "public.figures": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.set_language": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.logout_everywhere": LOGGED_IN,
    "auth.change_password": LOGGED_IN,
    "auth.preferences": LOGGED_IN,
    "auth.mfa_verify": LOGGED_IN,
    "auth.mfa_setup": LOGGED_IN,
    "auth.mfa_disable": LOGGED_IN,
    "main.home": LOGGED_IN,
    "notifications.index": LOGGED_IN,
    "notifications.mark_all_read": LOGGED_IN,
    "notifications.mark_read": OWN,
    "notifications.open_": OWN,
    "profile.tokens": LOGGED_IN,
    "profile.revoke": OWN_TOKEN,
    "referrals.incoming": LOGGED_IN,
    "referrals.outgoing": LOGGED_IN,
    "referrals.new": FILE_REFERRAL,
    "referrals.new_for_site": FILE_REFERRAL,
    **{
        f"referrals.{name}": REFERRAL
        for name in (
            "detail",
            "edit",
            "comment",
            "delete",
            "identifiers_with_reason",
            "redirect_page",
            "redirect_to_new",
            "retarget",
            "transition",
        )
    },
    **{
        f"documents.{name}": DOCUMENTS
        for name in ("upload", "replace", "delete", "download", "thumbnail")
    },
    "documents.download_with_reason": ADMIN_WITH_REASON,
    "reports.index": REPORTS,
    "reports.export": REPORTS,
    "reports.export_job": OWN,
    "reports.export_status": OWN,
    "reports.export_download": OWN,
    "trials.index": LOGGED_IN,
    "trials.detail": LOGGED_IN,
    "trials.coverage": LOGGED_IN,
    "trials.create": MANAGE_TRIALS,
    "trials.edit": MANAGE_TRIALS,
    "trials.import_ctgov": MANAGE_TRIALS,
    "trials.map_facility": MANAGE_TRIALS,
    "trials.publish": REVIEW_TRIAL,
    "trials.reject": REVIEW_TRIAL,
    "trials.biomarker_proposal": EDIT_ELIGIBILITY,
    "trials.review_queue": REVIEW_QUEUE,
    "trials.review_study": REVIEW_TRIAL,
    "trials.decide_change": REVIEW_TRIAL,
    "trials.add_site": OPEN_SITE,
    "eligibility.finder_page": FILE_REFERRAL,
    "eligibility.start_referral": FILE_REFERRAL,
    "eligibility.trial_criteria": LOGGED_IN,
    "eligibility.save_trial_criteria": EDIT_ELIGIBILITY,
    "eligibility.watchlist_page": CLINICAL,
    "eligibility.clear_watch": WATCHLIST,
    "trials.edit_site": MANAGE_SITE,
    "trials.confirm_site": MANAGE_SITE,
    "communities.index": LOGGED_IN,
    "communities.detail": LOGGED_IN,
    **{
        f"communities.{name}": MANAGE_COMMUNITY
        for name in ("add_member", "remove_member", "requests", "approve", "decline")
    },
    **{
        f"admin.{name}": ADMIN
        for name in (
            "index",
            "centres",
            "centre_form",
            "communities",
            "community_form",
            "users",
            "user_new",
            "user_edit",
            "user_deactivate",
            "user_reactivate",
            "user_password_link",
            "user_mfa_reset",
            "audit_log",
        )
    },
    "outbox.index": ADMIN,
    "outbox.retry": ADMIN,
    "dev_mailbox.index": DEV_MAILBOX,
    "dev_mailbox.message": DEV_MAILBOX,
    "dev_mailbox.message_html": DEV_MAILBOX,
    # The API: a personal token; referrals scoped to the two centres.
    "api_trials.list_trials": LOGGED_IN,
    "api_trials.get_trial": LOGGED_IN,
    "api_trials.get_eligibility": LOGGED_IN,
    "api_trials.put_eligibility": EDIT_ELIGIBILITY,
    "api_matches.trial_matches": FILE_REFERRAL,
    "api_notifications.list_notifications": LOGGED_IN,
    "api_referrals.list_referrals": LOGGED_IN,
    "api_referrals.create_referral": FILE_REFERRAL,
    **{
        f"api_referrals.{name}": REFERRAL
        for name in ("get_referral", "transition", "list_events", "add_comment")
    },
    "api_referrals.list_comments": REFERRAL_CLINICAL,
    **{
        f"api_referrals.{name}": DOCUMENTS
        for name in ("list_documents", "upload_documents", "download_document")
    },
}
