"""Document pages: upload, download, thumbnail, new version, removal from a draft.

The list and the checklist are on the referral page (``referrals/detail.html``).
Every view answers 404 to whoever may not read the referral's clinical content
(a third centre, a manager), as if the referral had no such document.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from referral_app import permissions
from referral_app.documents import service, uploads
from referral_app.extensions import db
from referral_app.models import Document, Referral
from referral_app.referrals import services as referral_services
from referral_app.workflow.errors import WorkflowError

bp = Blueprint("documents", __name__, url_prefix="/referrals/<int:referral_id>/documents")

# A download is never shown in the browser's page, whatever its type.
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _clinical_referral(referral_id: int) -> Referral:
    referral = referral_services.visible_referral(referral_id, current_user)
    if referral is None or not permissions.can_see_patient_data(current_user, referral):
        abort(404)
    return referral


def _document(referral: Referral, document_id: int) -> Document:
    document = service.find(referral, document_id)
    if document is None:
        abort(404)
    return document


def _back(referral_id: int):
    target = url_for("referrals.detail", referral_id=referral_id) + "#documents"
    return uploads.for_script(redirect(target))


def _flash_refusal(error: WorkflowError) -> None:
    details = list(getattr(error, "fields", {}).values())
    flash(" ".join(details) if details else error.message, "danger")


def _change(referral_id: int, work, success) -> object:
    """Run ``work()``; commit and flash ``success(result)``, or roll back and say why."""
    try:
        result = work()
    except WorkflowError as error:
        db.session.rollback()
        _flash_refusal(error)
        return _back(referral_id)
    db.session.commit()
    flash(success(result), "success")
    return _back(referral_id)


@bp.route("", methods=["POST"])
@login_required
def upload(referral_id: int):
    referral = _clinical_referral(referral_id)
    return _change(
        referral_id,
        lambda: service.attach(referral, current_user, uploads.uploads_from_form()),
        lambda added: ngettext("%(num)d document added.", "%(num)d documents added.", len(added)),
    )


@bp.route("/<int:document_id>/replace", methods=["POST"])
@login_required
def replace(referral_id: int, document_id: int):
    referral = _clinical_referral(referral_id)
    old = _document(referral, document_id)
    return _change(
        referral_id,
        lambda: service.attach(referral, current_user, uploads.uploads_from_form(), replaces=old),
        lambda _added: _("New version added; the previous one is kept, marked superseded."),
    )


@bp.route("/<int:document_id>/delete", methods=["POST"])
@login_required
def delete(referral_id: int, document_id: int):
    referral = _clinical_referral(referral_id)
    document = _document(referral, document_id)
    return _change(
        referral_id,
        lambda: service.delete_from_draft(document, referral, current_user),
        lambda _none: _("Document removed from the draft."),
    )


def download_response(document: Document, chunks) -> Response:
    """The file as an attachment: never rendered, never sniffed, never cached."""
    mimetype = document.content_type
    if mimetype == "text/plain":
        mimetype += "; charset=utf-8"
    # ``chunks`` needs no context: the storage object and the key were resolved already.
    response = Response(chunks, mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(document.size_bytes)
    response.headers.set(
        "Content-Disposition", "attachment", filename=service.download_name(document)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(referral_id: int, document_id: int, reason: str | None):
    referral = referral_services.visible_referral(referral_id, current_user)
    if referral is None:
        abort(404)
    document = _document(referral, document_id)
    try:
        chunks = service.open_plaintext(document, current_user, reason=reason)
    except service.DocumentGone:
        flash(_("This document was purged under the retention policy."), "warning")
        return _back(referral_id)
    except WorkflowError:
        abort(404)
    db.session.commit()  # the audit row, before the first byte leaves
    return download_response(document, chunks)


@bp.route("/<int:document_id>")
@login_required
def download(referral_id: int, document_id: int):
    _clinical_referral(referral_id)
    return _download(referral_id, document_id, None)


@bp.route("/<int:document_id>/download", methods=["POST"])
@login_required
def download_with_reason(referral_id: int, document_id: int):
    """An administrator's download, under the reason they state (audited with it)."""
    if not permissions.is_admin(current_user):
        abort(404)
    from referral_app.auth import mfa

    back = url_for("referrals.detail", referral_id=referral_id)
    if not mfa.recently_verified():
        return mfa.reverify_redirect(back)
    reason = (request.form.get("reason") or "").strip()
    if len(reason) < 10:
        flash(_("Give a reason of at least 10 characters."), "danger")
        return redirect(back)
    return _download(referral_id, document_id, reason)


@bp.route("/<int:document_id>/thumbnail")
@login_required
def thumbnail(referral_id: int, document_id: int):
    referral = _clinical_referral(referral_id)
    document = _document(referral, document_id)
    png = service.thumbnail_png(document, current_user)
    if png is None:
        abort(404)
    db.session.commit()  # the audit row, and the thumbnail kept for next time
    response = Response(png, mimetype="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
