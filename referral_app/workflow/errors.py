"""The state machine's refusals. Views flash them; the API answers 400 or 409.

``message`` is for people (translated); ``code`` is for programs.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


class WorkflowError(Exception):
    code = "workflow_error"
    # An audit row to keep although the attempted work is rolled back
    # (``engine.roll_back``): the arguments of ``audit.record``.
    audit: dict[str, Any] | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalTransition(WorkflowError):  # noqa: N818 (the name DESIGN uses)
    """The event does not apply to the referral in its current state."""

    code = "illegal_transition"


class NotPermitted(IllegalTransition):
    """The event applies, but not for this user (wrong side, role or team)."""

    code = "not_permitted"


class StaleReferral(WorkflowError):  # noqa: N818
    """The referral changed since the caller read it (``version`` moved on)."""

    code = "stale"

    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("This referral changed since you opened it. Reload it and try again.")
        )


class TransitionInputError(WorkflowError):
    """Missing or invalid fields: ``fields`` maps each field to its message."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or _("Please correct the fields marked below."))
        self.fields = fields

    def __str__(self) -> str:  # for logs and tracebacks; people read ``message``
        return f"{self.message} {self.fields}"


class TransitionRefused(WorkflowError):  # noqa: N818
    """A guard refused the event (site not recruiting, own centre…)."""

    code = "refused"


class ExistingReferral(TransitionRefused):
    """The patient already has a live referral that the user should open instead.

    ``existing`` is that referral (the views link to it, the API gives its id).
    """

    code = "existing_referral"

    def __init__(self, existing: Any, message: str):
        super().__init__(message)
        self.existing = existing


class DuplicateReferral(ExistingReferral):
    """Submitting a second open referral of the same patient to the same trial."""

    code = "duplicate"

    def __init__(self, existing: Any):
        super().__init__(
            existing,
            _(
                "This patient already has an open referral to this trial: %(reference)s.",
                reference=existing.reference or existing.id,
            ),
        )


class HiddenDuplicateReferral(TransitionRefused):
    """The same patient and trial are already referred between two other centres.

    The caller's centre is on neither side of that referral, so the refusal names
    nothing of it (no id, reference, centre or trial): saying more would tell a
    third centre about another centre's patient. The attempt is audited.
    """

    code = "duplicate"

    def __init__(self, referral_id: int | None, existing_id: int):
        super().__init__(
            _(
                "An open referral for this patient and this trial already exists in the "
                "network. The network's research coordinators can help you."
            )
        )
        self.audit = {
            "action": "duplicate_elsewhere",
            "object_type": "referral",
            "object_id": referral_id,
            "existing_referral_id": existing_id,
        }


class DocumentRefused(TransitionInputError):  # noqa: N818 (a refusal, as TransitionRefused)
    """A file that cannot be attached (issue 13); ``status`` is the API's answer."""

    status = 400


class DocumentTooLarge(DocumentRefused):
    code = "too_large"
    status = 413


class DocumentTypeRefused(DocumentRefused):
    code = "unsupported_type"
    status = 415
