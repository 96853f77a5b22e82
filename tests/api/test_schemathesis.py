"""Schemathesis against the API's own OpenAPI document, in process (WSGI).

Every operation, a bounded number of generated requests each (derandomized: the
same requests every run), as a coordinator of the receiving centre holding real
referrals: schema-valid requests (with random ids, and with the ids of real
referrals and trials) and schema-invalid ones. Fails on any 5xx, on any answer
the document does not describe (status code, content type, body, headers) and on
invalid input accepted. Runs in both passes of ``make test``: PostgreSQL is where
an id beyond its integers used to answer 500.

Left out: ``positive_data_acceptance``, which expects every schema-valid request
to succeed. The API answers 400 with the fields for well-formed requests its
rules refuse (a site that does not exist, a date before the submission, a
referral not yet complete), as ``api.core`` documents.

(Schemathesis' own pytest loader does not run under pytest 9 — it reads a
private attribute pytest dropped — so each operation is a parametrized test
driving Hypothesis with the operation's strategy.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config import TestingConfig
from referral_app import create_app

EXAMPLES = 40


def _operations() -> list[tuple[str, str]]:
    app = create_app(TestingConfig())
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    with app.app_context():
        from referral_app.extensions import db

        db.engine.dispose()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture
def story(app, db, cast, api_as, make) -> dict:
    """A token of the receiving centre's coordinator, and the ids of real rows."""
    referrals = [
        cast.referral(state) for state in ("submitted", "acknowledged", "accepted", "declined")
    ]
    document = make.document(referrals[1], cast.referring["coordinator"])
    db.session.commit()
    return {
        "token": api_as(cast.receiving["coordinator"]).token,
        "referral_id": referrals[1].id,
        "document_id": document.id,
        "trial_id": cast.site.trial_id,
    }


CASES = [
    (method, path, mode)
    for method, path in _operations()
    for mode in ("positive", "negative", *(("real ids",) if "{" in path else ()))
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_the_api_answers_as_documented(app, story, method, path, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {story['token']}", "Accept-Language": "en"}
    if mode == "real ids":
        names = [p.name for p in operation.path_parameters]
        strategy = operation.as_strategy(path_parameters={n: story[n] for n in names})
    else:
        strategy = operation.as_strategy(GenerationMode(mode))

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    run()
