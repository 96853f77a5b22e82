"""The first page of a PDF as a small PNG, by poppler's ``pdftoppm`` (optional).

The PDF goes in on stdin and, without an output root, the PNG comes out on
stdout (``- -`` would write a file named "-.png"): the plaintext never
touches the disk. Without ``pdftoppm`` (Debian's poppler-utils) the app shows no
thumbnails and everything else works.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

log = logging.getLogger(__name__)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def available() -> bool:
    return shutil.which("pdftoppm") is not None


def render_first_page(pdf: bytes, *, width: int = 240, timeout: float = 20) -> bytes | None:
    """PNG bytes, or None when pdftoppm is missing, fails or takes too long."""
    program = shutil.which("pdftoppm")
    if program is None:
        return None
    command = [program, "-f", "1", "-l", "1", "-png", "-scale-to", str(width), "-singlefile"]
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments, the PDF on stdin)
            [*command, "-"], input=pdf, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        log.warning("pdftoppm timed out")
        return None
    if done.returncode != 0 or not done.stdout.startswith(PNG_SIGNATURE):
        log.info("pdftoppm gave no thumbnail (exit %s)", done.returncode)
        return None
    return done.stdout
