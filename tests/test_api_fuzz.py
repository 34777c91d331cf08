"""Fuzz every API operation from its OpenAPI schema: no input may give a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from corridor_twin.api import ApiSettings, create_app  # noqa: E402


def _schema() -> Any:
    # Built when the module is collected (schemathesis parametrizes from it); the app is
    # this module's own instance.
    app = create_app(ApiSettings(web=False))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
    )
    return schema


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_error(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, (case.path, case.body, response.text[:500])
