"""Fuzz every API operation from its OpenAPI schema: no input may give a 5xx.

The app runs on its own SQLite store (bootstrapped like a first ``corridor
serve``) and every generated request carries a valid admin token, so the
fuzzing reaches the handlers behind the token check: edits, documents,
administration and runs included. Requests that revoke the token or
deactivate the admin are undone before the next case.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import status_code_conformance  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from corridor_twin.api import ApiSettings, create_app  # noqa: E402
from corridor_twin.errors import AuthenticationError  # noqa: E402

# Built when the module is collected (schemathesis parametrizes from it); the app is this
# module's own instance, on a store in a temporary directory, started by ``running_app``.
APP = create_app(
    ApiSettings(
        web=False,
        data_dir=tempfile.mkdtemp(prefix="corridor-fuzz-"),
        token_cache_s=0,
        job_workers=1,
    )
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)
_token: list[str] = []
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    with TestClient(APP):  # runs the lifespan: store, bootstrap, job runner
        _token.append(APP.state.initial_token)
        yield
    # the token got through: most answers are not 401
    assert STATUSES[401] < sum(STATUSES.values()) / 4, STATUSES


def _auth() -> dict[str, str]:
    store = APP.state.store
    admin = dataclasses.replace(store.principal("admin"), role="admin")  # trusted, as the CLI
    store.set_user("admin", by=admin, role="admin", active=True)
    try:
        store.authenticate(_token[-1])
    except AuthenticationError:
        _token.append(store.issue_token("admin", by=admin, label="fuzz"))
    return {"Authorization": f"Bearer {_token[-1]}"}


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_error(case: Any) -> None:
    response = case.call(headers=_auth())
    STATUSES[response.status_code] += 1
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])
    # every status an operation answers is in its OpenAPI document
    case.validate_response(response, checks=[status_code_conformance])
