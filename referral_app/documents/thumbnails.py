"""The first page of a PDF as a small PNG, by poppler's ``pdftoppm`` (optional).

The command is ``pdftoppm -f 1 -l 1 -png -scale-to WIDTH -singlefile -``: the
PDF goes in on stdin (``-``) and, with ``-singlefile`` and no output root, the
PNG comes out on stdout, so the plaintext never touches the disk. (Giving ``-``
as the output root too, ``… - -``, does not mean stdout: poppler writes a file
named ``-.png`` in the working directory.)

Without ``pdftoppm`` (Debian's poppler-utils) the app shows no thumbnails and
everything else works. Only the exit status is logged, never anything of the
document nor of poppler's messages (which can quote it).
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
    """PNG bytes of page 1 fitting ``width`` × ``width``, or None.

    None when pdftoppm is missing, fails, takes longer than ``timeout`` seconds
    (it is killed) or gives no PNG; a bad PDF never raises.
    """
    program = shutil.which("pdftoppm")
    if program is None:
        return None
    command = [
        program,
        *("-f", "1", "-l", "1", "-png", "-scale-to", str(int(width)), "-singlefile"),
        "-",
    ]
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments, the PDF on stdin)
            command, input=pdf, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        log.warning("pdftoppm timed out after %s s", timeout)
        return None
    except OSError as error:  # removed or not executable since ``which``
        log.warning("pdftoppm could not run (errno %s)", error.errno)
        return None
    if done.returncode != 0 or not done.stdout.startswith(PNG_SIGNATURE):
        log.info("pdftoppm gave no thumbnail (exit %s)", done.returncode)
        return None
    return done.stdout
