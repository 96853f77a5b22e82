"""A file's type comes from its content: real signatures, text, and what is refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from referral_app.documents import filetypes
from referral_app.documents.filetypes import ALLOWED_TYPES, SNIFF_BYTES, sniff
from tests.documents import samples


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_the_allowed_types_and_their_extensions():
    assert ALLOWED_TYPES == {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/tiff": ".tif",
        "text/plain": ".txt",
    }
    assert SNIFF_BYTES == 8192


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (samples.pdf_with_text("Pathologie"), "application/pdf"),
        (samples.png_bytes(), "image/png"),
        (samples.png_bytes(64, 3), "image/png"),
        (samples.jpeg_header(), "image/jpeg"),
        (samples.tiff_header(), "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 64, "image/tiff"),  # big-endian
        (samples.text_bytes(), "text/plain"),
    ],
    ids=["pdf", "png", "png-wide", "jpeg", "tiff-le", "tiff-be", "text"],
)
def test_real_signatures(content, expected):
    assert sniff(content[:SNIFF_BYTES]) == expected


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",  # a Windows program
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",  # zip
        _docx(),
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",  # gzip
        b"{\\rtf1\\ansi Rapport de pathologie}",  # RTF: a text format of its own
        b"%!PS-Adobe-3.0\n",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",  # a video
    ],
    ids=["pe", "elf", "zip", "docx", "gif", "gzip", "rtf", "postscript", "mp4"],
)
def test_other_formats_are_refused(content):
    assert sniff(content) is None


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><p>hi",
        b"<!DOCTYPE html>",
        b"<html><body>",
        b"  \n\t<HTML lang=fr>",
        b"<script>alert(1)</script>",
        b"\r\n<ScRiPt src=//x></script>",
        b"<svg onload=alert(1)>",
        b"<?xml version='1.0'?><svg/>",
        b"<iframe src=x>",
        b"<a href=javascript:alert(1)>x</a>",
        b"<!-- a comment -->",
        b"\xef\xbb\xbf<html>",  # after a byte-order mark
    ],
)
def test_text_a_browser_would_render_is_refused(content):
    assert sniff(content) is None


def test_text_that_merely_mentions_markup_is_text():
    assert sniff(b"Voir le rapport <html> joint.\n") == "text/plain"
    assert sniff(b"<3 cycles de chimiotherapie\n") == "text/plain"
    assert sniff(b"<patient stable>\n") == "text/plain"


def test_french_utf8_text_is_text():
    note = "Résumé : adénocarcinome, EGFR exon 19, traité par osimertinib. Œdème léger. « Suivi »."
    assert sniff(note.encode()) == "text/plain"
    assert sniff("\t¶ tab, form feed\f, CR LF\r\n".encode()) == "text/plain"


def test_a_character_cut_at_the_end_of_the_head_is_tolerated():
    head = ("a" + "é" * SNIFF_BYTES).encode()[:SNIFF_BYTES]  # "é" is two bytes
    assert len(head) == SNIFF_BYTES and head[-1:] == b"\xc3"  # half of an "é"
    assert sniff(head) == "text/plain"
    euro = ("a" * (SNIFF_BYTES - 2)).encode() + "€".encode()[:2]  # two of three bytes
    assert sniff(euro) == "text/plain"


def test_a_file_ending_in_half_a_character_is_not_utf8():
    # Shorter than SNIFF_BYTES: the head is the whole file, nothing was cut.
    assert sniff("é".encode() * 10 + "é".encode()[:1]) is None
    assert sniff(b"a" * (SNIFF_BYTES - 1) + b"\xff") is None  # not even a lead byte


def test_latin1_is_not_utf8():
    assert sniff("Résumé de pathologie".encode("latin-1")) is None
    assert sniff("Patient suivi, état stable".encode("cp1252")) is None


@pytest.mark.parametrize("control", [b"\x00", b"\x01", b"\x07", b"\x0b", b"\x1b", b"\x7f"])
def test_control_characters_are_refused(control):
    assert sniff(b"Rapport " + control + b" fin\n") is None


def test_a_note_starting_like_a_weak_signature_is_still_text():
    # filetype takes "BM" for a bitmap and "ID3" for an MP3: these are notes.
    assert sniff(b"BMI 24, poids 70 kg, taille 171 cm.\n") == "text/plain"
    assert sniff(b"ID3 : protocole de l'etude\n") == "text/plain"
    assert sniff(b"BM\x00\x00\x00\x00") is None  # a real bitmap header stays refused


def test_an_empty_head_is_nothing():
    assert sniff(b"") is None
    assert filetypes.sniff(b"   \n") == "text/plain"  # whitespace is text, though
