"""In Chromium: a pathology PDF goes from the referring centre to the receiving one,
several files at once with a kind each, with the upload's progress bar (script),
and the receiving side downloads it (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from referral_app.models import Document, Referral
from tests.browser.test_sent_fields import _log_in
from tests.documents.samples import pdf_with_text, text_bytes
from tests.referrals.conftest import cast  # noqa: F401, F811 (the fixture)

pytestmark = pytest.mark.browser


def test_two_centres_exchange_a_pathology_pdf(browser_page, cast, db, tmp_path):  # noqa: F811
    referral = cast.referral("submitted")
    db.session.commit()
    pdf = tmp_path / "pathologie.pdf"
    pdf.write_bytes(pdf_with_text("Adenocarcinoma"))
    note = tmp_path / "note.txt"
    note.write_bytes(text_bytes())
    page = browser_page
    _log_in(page, cast.referring["coordinator"])
    page.goto(page.base + f"/referrals/{referral.id}")
    page.get_by_label("Add documents").set_input_files([str(pdf), str(note)])
    # One kind per file, added by the page's script when several are chosen.
    page.get_by_label("pathologie.pdf").select_option("pathology")
    page.get_by_label("note.txt").select_option("consult_note")
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=2 documents added.")
    db.session.expire_all()
    kinds = {d.title: d.category.value for d in db.session.scalars(select(Document))}
    assert kinds == {"pathologie.pdf": "pathology", "note.txt": "consult_note"}

    page.context.clear_cookies()
    _log_in(page, cast.receiving["coordinator"])
    page.goto(page.base + f"/referrals/{referral.id}")
    item = page.locator("[data-document]").filter(has_text="pathologie.pdf")
    with page.expect_download() as info:
        item.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith("-pathology-v1.pdf")
    assert Path(download.path()).read_bytes() == pdf.read_bytes()


def test_a_refused_answer_sent_with_files_shows_its_errors_inline(browser_page, cast, db, tmp_path):  # noqa: F811, E501
    """The upload script used to say only "The upload failed (422)": the page the
    server re-rendered, with the error beside the field, now replaces the old one."""
    referral = cast.referral("info_requested")
    db.session.commit()
    pdf = tmp_path / "pathologie.pdf"
    pdf.write_bytes(pdf_with_text("Adenocarcinoma"))
    page = browser_page
    _log_in(page, cast.referring["coordinator"])
    page.goto(page.base + f"/referrals/{referral.id}")
    form = page.locator(f'form[action$="/referrals/{referral.id}/events/provide_info"]')
    details = page.locator("details", has=form)
    if details.count():
        details.locator("summary").click()
    form.locator('input[type="file"]').set_input_files([str(pdf)])
    form.locator('button[type="submit"]').last.click()  # no answer written

    summary = page.locator("[data-action-errors]")
    expect(summary).to_be_focused()
    assert "(422)" not in page.locator("main").inner_text()
    answer = page.locator(f'form[action$="/referrals/{referral.id}/events/provide_info"]')
    expect(answer.locator(".invalid-feedback").first).to_be_visible()
    db.session.expire_all()
    assert not db.session.scalars(select(Document)).all()  # nothing of the refused answer
    assert db.session.get(Referral, referral.id).state == "info_requested"
