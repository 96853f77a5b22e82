"""A PDF's first page as a PNG, by the real pdftoppm; and every way it can fail quietly.

The rendering tests need poppler's ``pdftoppm``: skipped without it, failed
under ``REQUIRE_SERVICES=1`` (``tests/services.py``). The failure paths use a
stand-in ``pdftoppm`` script put first on ``PATH``, so they always run.
"""

from __future__ import annotations

import logging
import shutil
import struct
from pathlib import Path

import pytest

from referral_app.documents import thumbnails
from tests.documents import samples
from tests.services import missing

MARKER = "Adenocarcinome"


@pytest.fixture
def pdftoppm() -> str:
    """The real pdftoppm's path (skip, or fail under REQUIRE_SERVICES=1)."""
    found = shutil.which("pdftoppm")
    if found is None:
        missing("pdftoppm (Debian's poppler-utils)")
    return found


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(thumbnails.PNG_SIGNATURE) and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def _fake_pdftoppm(tmp_path: Path, monkeypatch, script: str) -> None:
    """A ``pdftoppm`` that runs ``script`` (sh), first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    program = bin_dir / "pdftoppm"
    program.write_text("#!/bin/sh\n" + script + "\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def test_a_pdf_with_text_renders_to_a_png(pdftoppm, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where "- -" would have left a "-.png"
    assert thumbnails.available()
    png = thumbnails.render_first_page(samples.pdf_with_text(MARKER, pages=3))
    assert png is not None
    width, height = _png_size(png)
    assert max(width, height) == 240 and 0 < min(width, height) < 240  # Letter, portrait
    assert list(tmp_path.iterdir()) == []  # nothing written to disk
    blank = thumbnails.render_first_page(samples.pdf_with_text(""))
    assert blank is not None and blank != png  # the text was drawn


def test_the_width_is_the_box_it_fits(pdftoppm):
    png = thumbnails.render_first_page(samples.pdf_with_text(MARKER), width=100)
    assert png is not None and max(_png_size(png)) == 100


@pytest.mark.parametrize(
    "bad",
    [
        b"%PDF-1.4 broken",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
        samples.pdf_with_text(MARKER)[:200],  # cut short
        samples.png_bytes(),
        b"",
    ],
    ids=["header-only", "unfinished", "truncated", "png", "empty"],
)
def test_a_corrupt_pdf_gives_none(pdftoppm, bad):
    assert thumbnails.render_first_page(bad) is None


def test_without_pdftoppm_there_is_no_thumbnail(monkeypatch):
    monkeypatch.setenv("PATH", "")
    assert thumbnails.available() is False
    assert thumbnails.render_first_page(samples.pdf_with_text("x")) is None


def test_a_failure_logs_the_exit_code_and_nothing_of_the_document(tmp_path, monkeypatch, caplog):
    # This pdftoppm quotes its input in its error, as a real one can quote a PDF's bytes.
    _fake_pdftoppm(tmp_path, monkeypatch, "echo 'Syntax Error:' >&2; cat >&2; exit 3")
    with caplog.at_level(logging.DEBUG, logger=thumbnails.__name__):
        assert thumbnails.render_first_page(samples.pdf_with_text(MARKER)) is None
    assert "exit 3" in caplog.text
    assert MARKER not in caplog.text and "Syntax" not in caplog.text


def test_output_that_is_not_a_png_gives_none(tmp_path, monkeypatch):
    _fake_pdftoppm(tmp_path, monkeypatch, "cat >/dev/null; echo 'P6 not a png'; exit 0")
    assert thumbnails.render_first_page(samples.pdf_with_text(MARKER)) is None
    monkeypatch.undo()
    _fake_pdftoppm(tmp_path / "empty", monkeypatch, "cat >/dev/null; exit 0")
    assert thumbnails.render_first_page(samples.pdf_with_text(MARKER)) is None


def test_a_pdftoppm_that_hangs_is_stopped(tmp_path, monkeypatch, caplog):
    _fake_pdftoppm(tmp_path, monkeypatch, "exec sleep 30")
    with caplog.at_level(logging.WARNING, logger=thumbnails.__name__):
        assert thumbnails.render_first_page(b"%PDF-1.4", timeout=0.3) is None
    assert "timed out" in caplog.text


def test_a_pdftoppm_that_cannot_run_gives_none(tmp_path, monkeypatch):
    _fake_pdftoppm(tmp_path, monkeypatch, "exit 0")
    monkeypatch.setattr(thumbnails.shutil, "which", lambda _name: str(tmp_path / "gone"))
    assert thumbnails.render_first_page(samples.pdf_with_text(MARKER)) is None


def test_the_command_reads_stdin_and_writes_stdout(tmp_path, monkeypatch):
    """The exact arguments: the PDF from ``-``, no output root (so stdout)."""
    log_file = tmp_path / "args"
    _fake_pdftoppm(
        tmp_path,
        monkeypatch,
        f"echo \"$@\" > {log_file}; cat >/dev/null; printf '\\211PNG\\r\\n\\032\\n'",
    )
    png = thumbnails.render_first_page(b"%PDF-1.4", width=120)
    assert png == thumbnails.PNG_SIGNATURE
    assert log_file.read_text().split() == [
        *("-f", "1", "-l", "1", "-png", "-scale-to", "120", "-singlefile", "-"),
    ]
