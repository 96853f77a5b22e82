"""The load benchmark's machinery works end to end, at a tiny size (``bench.load``).

A few endpoints for a second each on 2,000 referrals: the servers start (gunicorn
in production mode, the bare baselines, a Celery worker, the SMTP sink), the
logins and tokens work, every request answers as expected, the e-mails queued by
the writes arrive once each, and the report is written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.xdist_group("worker")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_database():
    if os.environ.get("TEST_DB", "sqlite") != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DB=postgresql)")
    admin_url = make_url(require_postgres())
    name = f"passerelle_load_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_load_benchmark_at_a_tiny_size(bench_database, tmp_path):
    output = tmp_path / "load.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", "--url", bench_database, "--referrals", "2000",
         "--duration", "1", "--warmup", "0", "--only", "bare,api,writes", "--mail-wait", "30",
         "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not re.search(r"answered \d{3}:", result.stdout), result.stdout  # probes all right
    report = output.read_text()
    rows = {
        line.split(" | ")[0].lstrip("| "): line.split(" | ")
        for line in report.splitlines()
        if line.startswith("| ") and not line.startswith("| Endpoint")
    }
    assert set(rows) >= {
        "bare: one SELECT by id (JSON)",
        "GET /api/v1/referrals/{id}",
        "GET /api/v1/referrals?box=incoming",
        "POST /api/v1/referrals submit",
        "POST /api/v1/referrals/{id}/transitions acknowledge",
    }
    for name, cells in rows.items():
        assert float(cells[1].replace(",", "")) > 0, name  # some req/s
        assert int(cells[5].replace(",", "")) > 0, name  # answers
        assert cells[6] == "0", (name, "unexpected answers")
    assert "duplicate Message-IDs among all" in report
    assert ": 0\n" in report.split("duplicate Message-IDs")[1][:80]
    assert "not delivered" not in report
    engine = sa.create_engine(bench_database)
    with engine.connect() as conn:  # the referrals the run created are gone again
        assert conn.scalar(sa.text("SELECT count(*) FROM referrals")) == 2000
        # ... from the report summaries too (the network's rows count each submission)
        assert conn.scalar(
            sa.text(
                "SELECT sum(referrals) FROM report_centre_months "
                "WHERE centre_id = 0 AND role = 'network'"
            )
        ) == conn.scalar(sa.text("SELECT count(*) FROM referrals WHERE submitted_at IS NOT NULL"))
    engine.dispose()
