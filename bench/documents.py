"""What sealing a clinical document costs (issue 13): upload, download, memory.

``make bench-documents``. Runs the real app in this process on a throw-away
SQLite database and storage directory, and for files of 1, 5 and 20 MB times

1. ``documents.service.attach`` and its commit (type sniffing, SHA-256, the
   per-document key, AES-256-GCM in 64 KiB chunks, the atomic write with fsync,
   the audit row, the outbox rows) against a **baseline measured in the same run**:
   the same bytes hashed with SHA-256 and written to a file with fsync, which is
   the least any store of a file must do;
2. reading the whole document back (``open_plaintext``, decrypting as it streams)
   against reading the plain file back;
3. an upload through the HTTP stack (the app's multipart ``Request``, which spools
   into a temporary file sealed under a one-time key) against the same baseline;
4. the peak Python memory (tracemalloc) of one attach, to show it does not grow
   with the file.

Medians of ``--repeat`` runs after a warm-up; results go to ``bench/results/documents.md``.

    .venv/bin/python -m bench.documents [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from config import TestingConfig

RESULTS = Path(__file__).parent / "results" / "documents.md"
SIZES_MB = (1, 5, 20)


def payload(megabytes: int) -> bytes:
    """A PDF header then random bytes: sniffed as a PDF, incompressible like a scan."""
    return b"%PDF-1.7\n" + os.urandom(megabytes * 1024 * 1024 - 9)


def median_ms(func: Callable[[], object], repeat: int) -> float:
    func()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def plain_store(directory: Path, content: bytes) -> Path:
    """The baseline: hash, write, fsync, as any careful store of a file does."""
    hashlib.sha256(content).hexdigest()
    path = directory / "plain.bin"
    with open(path, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    return path


def make_app(workdir: Path):
    from referral_app import create_app
    from referral_app.extensions import db

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{workdir / 'bench.db'}"
        DOCUMENT_STORAGE_DIR = workdir / "documents"
        EXPORT_DIR = workdir / "exports"
        MAILBOX_DIR = workdir / "mailbox"
        REFERRAL_DOCUMENTS_MAX_BYTES = 1 << 40  # the budget is not what is measured

    app = create_app(BenchConfig())
    with app.app_context():
        db.create_all()
    return app


def world(db):
    """A submitted referral between two centres, through the tests' factory."""
    from tests.conftest import Factory

    make = Factory(db.session)
    referral = make.referral("submitted")
    db.session.commit()
    return referral.id, referral.referring_user_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from referral_app.documents import service
    from referral_app.documents.uploads import Upload
    from referral_app.extensions import db
    from referral_app.models import Referral, User

    rows = []
    with tempfile.TemporaryDirectory(prefix="passerelle-bench-documents-") as tmp:
        workdir = Path(tmp)
        app = make_app(workdir)
        with app.app_context():
            referral_id, user_id = world(db)
            user = db.session.get(User, user_id)
        client = app.test_client()
        with app.app_context():
            from tests.conftest import log_in

            assert log_in(client, db.session.get(User, user_id)).status_code == 302

        for megabytes in SIZES_MB:
            content = payload(megabytes)
            kept = []

            def attach(content=content, kept=kept):
                with app.app_context():
                    referral = db.session.get(Referral, referral_id)
                    upload = Upload(io.BytesIO(content), "scan.pdf", "imaging", None)
                    kept.extend(service.attach(referral, db.session.get(User, user_id), [upload]))
                    db.session.commit()
                    kept[-1] = kept[-1].id

            def download(kept=kept):
                with app.app_context():
                    from referral_app.models import Document

                    document = db.session.get(Document, kept[-1])
                    for _chunk in service.open_plaintext(document, user):
                        pass
                    db.session.rollback()

            def http_upload(content=content):
                data = {"category": "imaging", "files": [(io.BytesIO(content), "scan.pdf")]}
                answer = client.post(
                    f"/referrals/{referral_id}/documents",
                    data=data,
                    content_type="multipart/form-data",
                )
                # Back to the referral page, not to the login page or an error.
                assert answer.location == f"/referrals/{referral_id}#documents", answer.location

            baseline_store = median_ms(lambda c=content: plain_store(workdir, c), args.repeat)
            plain = workdir / "plain.bin"
            baseline_read = median_ms(plain.read_bytes, args.repeat)
            sealed_store = median_ms(attach, args.repeat)
            sealed_read = median_ms(download, args.repeat)
            through_http = median_ms(http_upload, args.repeat)
            tracemalloc.start()
            attach()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rows.append(
                (
                    megabytes,
                    baseline_store,
                    sealed_store,
                    through_http,
                    baseline_read,
                    sealed_read,
                    peak / 1024 / 1024,
                )
            )
            print(f"{megabytes} MB done", flush=True)
    report(rows, args.repeat)


def report(rows, repeat: int) -> None:
    lines = [
        "# Documents: sealing cost (`make bench-documents`)",
        "",
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"median of {repeat} runs after a warm-up; SQLite and a local storage directory.",
        "",
        "Baselines, measured in the same run: **store** = SHA-256 + write + fsync of the "
        "plain bytes; **read** = reading the plain file back. Ratios are to them.",
        "",
        "| file | baseline store | attach + commit | ratio | HTTP upload | ratio "
        "| baseline read | download (decrypt) | ratio | peak memory of one attach |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mb, base, sealed, http, base_read, sealed_read, peak in rows:
        lines.append(
            f"| {mb} MB | {base:.1f} ms | {sealed:.1f} ms | {sealed / base:.1f}× "
            f"| {http:.1f} ms | {http / base:.1f}× | {base_read:.2f} ms | {sealed_read:.1f} ms "
            f"| {sealed_read / base_read:.1f}× | {peak:.1f} MB |"
        )
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
