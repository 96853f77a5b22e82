"""A small network for the catalogue tests: two regions, four centres, one community."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_babel import force_locale

from referral_app.models import Centre, Community, Language, Region, Role, User

DATA = Path(__file__).parent / "data"


@dataclass
class Network:
    montreal: Region
    estrie: Region
    monteregie: Region
    chum: Centre
    jgh: Centre
    chus: Centre
    hclm: Centre
    community: Community
    admin: User
    chum_coordinator: User
    jgh_coordinator: User
    chus_nurse: User
    hclm_physician: User
    outsider: User  # a coordinator who is not a member


@pytest.fixture(autouse=True)
def english(app):
    """Messages outside requests in English, whatever the French catalogue holds."""
    with force_locale("en"):
        yield


@pytest.fixture
def network(make, db) -> Network:
    montreal = make.region(code="06", name="Montréal")
    estrie = make.region(code="05", name="Estrie")
    monteregie = make.region(code="16", name="Montérégie")
    chum = make.centre(
        montreal, name="Centre hospitalier de l'Université de Montréal", short_name="CHUM"
    )
    jgh = make.centre(montreal, name="Jewish General Hospital", short_name="JGH")
    chus = make.centre(
        estrie, name="CIUSSS de l'Estrie – CHUS", short_name="CHUS", city="Sherbrooke"
    )
    hclm = make.centre(
        monteregie, name="Hôpital Charles-Le Moyne", short_name="HCLM", city="Longueuil"
    )
    community = make.community(slug="thoracic", name_fr="RÉSOT", name_en="Thoracic CoP")
    admin = make.user(chum, Role.ADMIN, name="Admin", language=Language.EN)
    chum_coordinator = make.user(chum, Role.COORDINATOR, name="Élodie CHUM", language=Language.EN)
    jgh_coordinator = make.user(jgh, Role.COORDINATOR, name="Rachel JGH", language=Language.EN)
    chus_nurse = make.user(chus, Role.NURSE, name="Julie CHUS", language=Language.EN)
    hclm_physician = make.user(hclm, Role.PHYSICIAN, name="Catherine HCLM", language=Language.EN)
    outsider = make.user(chus, Role.COORDINATOR, name="Outsider", language=Language.EN)
    for user in (chum_coordinator, jgh_coordinator, chus_nurse, hclm_physician):
        make.member(user, community)
    community.leader_id = hclm_physician.id
    db.session.commit()
    return Network(
        montreal,
        estrie,
        monteregie,
        chum,
        jgh,
        chus,
        hclm,
        community,
        admin,
        chum_coordinator,
        jgh_coordinator,
        chus_nurse,
        hclm_physician,
        outsider,
    )


RECORDS = Path(__file__).parents[1] / "fixtures" / "ctgov"


class RegistryServer:
    """A local HTTP server answering ``/api/v2/studies/{NCT}`` like the registry, from
    the recorded real records in ``tests/fixtures/ctgov`` (or ``replace``-d ones);
    ``failing`` makes it answer 503, ``requests`` lists the NCT numbers asked."""

    def __init__(self):
        import http.server
        import threading

        server = self
        self.records: dict[str, bytes] = {
            path.stem: path.read_bytes() for path in RECORDS.glob("NCT*.json")
        }
        self.failing = False
        self.requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                nct = self.path.split("?")[0].rsplit("/", 1)[-1]
                server.requests.append(nct)
                body = server.records.get(nct) if self.path.startswith("/api/v2/studies/") else None
                status = 503 if server.failing else (200 if body else 404)
                payload = body if status == 200 else b'{"message": "no"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def replace(self, nct: str, study: dict) -> None:
        import json

        self.records[nct] = json.dumps(study).encode()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def registry_server(app):
    """The registry's API, served locally; the app points at it for the test."""
    server = RegistryServer()
    previous = app.config["CTGOV_API_URL"]
    app.config["CTGOV_API_URL"] = server.url
    yield server
    app.config["CTGOV_API_URL"] = previous
    server.stop()
