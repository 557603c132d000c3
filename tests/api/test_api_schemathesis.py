"""Schemathesis against the live API: generated requests (valid and invalid) from the
OpenAPI document, sent over HTTP to a real server with a real token on a migrated SQLite
database with the demo data. No request may cause a server error, and every response must
match the document: a listed status code, the documented content type and schema.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from engine.identity import tokens
from tests.api.conftest import make_app
from webui.api import openapi
from webui.api.views import STARTERS
from workflows.usecases.catalog import build_registry

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


class _QuietHandler(WSGIRequestHandler):
    def log(self, *_args) -> None:  # thousands of generated requests: keep the test output readable
        pass


@pytest.fixture(scope="module")
def live_api(demo_db_file, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A threaded server on a free loopback port; yields its base URL and a JoB coach's token."""
    path = tmp_path_factory.mktemp("schemathesis") / "api.db"
    shutil.copyfile(demo_db_file, path)
    app = make_app(f"sqlite:///{path}")
    app.config["TESTING"] = False  # errors become 500 responses, as in production
    svc = app.extensions["jobtraject"]
    from sqlalchemy import select

    from engine.store.models import User

    with svc.db.read() as s:
        sanne = s.scalar(select(User.id).where(User.email == "sanne@job.example"))
    secret = tokens.create_token(svc.db, svc.clock, sanne, "schemathesis").secret
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", secret
    finally:
        server.shutdown()
        thread.join(timeout=10)
        svc.db.dispose()


# The document is built by the same code that serves it (schemathesis' lazy fixture loader
# does not work with pytest 9); a test below checks the live server serves this very document.
DOCUMENT = openapi.document(build_registry(), STARTERS)
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_live_server_serves_the_tested_document(live_api):
    import json
    from urllib.request import urlopen

    base, _secret = live_api
    with urlopen(f"{base}/api/v1/openapi.json", timeout=30) as response:
        assert json.loads(response.read()) == json.loads(json.dumps(DOCUMENT))


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_matches_its_openapi_document(case, live_api):
    base, secret = live_api
    checks = CHECKS
    if isinstance(case.query, dict) and any(v is None for v in case.query.values()):
        # The HTTP client drops None-valued query parameters, so an "unknown parameter" made
        # negative that way is never sent: the server cannot reject what it never sees.
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {secret}"}, checks=checks,
                           timeout=30)


def test_schemathesis_generates_every_documented_operation_none_skipped():
    """Each operation in the document (uploads included: schemathesis sends a small PNG as the
    `format: binary` part) becomes a generated test above, none dropped as unsupported."""
    labels = {result.ok().label for result in schema.get_all_operations()}  # ok() raises on an unusable one
    documented = {f"{method.upper()} {path}" for path, item in DOCUMENT["paths"].items() for method in item}
    assert labels == documented
    assert {"POST /api/v1/cases/{case_id}/documents", "POST /api/v1/cases/{case_id}/documents/{document_id}/versions",
            "GET /api/v1/search", "GET /api/v1/settings"} <= labels
