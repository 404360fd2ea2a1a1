"""Property-based tests of the API against its own served OpenAPI document (issue 16).

Schemathesis reads ``/api/v1/openapi.json`` from the WSGI application in-process and sends
every operation generated requests, valid and invalid, with and without a token. Each
response must be no server error and conform to the document: status code, content type,
headers and body schema. ``max_examples`` is kept small so the run stays under a minute.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from lead411.api.tests.conftest import bearer
from lead411.leads.services import saved_search_create
from lead411.leads.tests.factories import ContactFactory, TriggerEventFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


# Loaded at collection: the document needs no database. (``schemathesis.pytest.from_fixture``
# would load it per test, but reads a node attribute pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _unthrottled(settings: Any) -> None:
    settings.API_RATE_LIMIT_REQUESTS = 100_000


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Keep the test's transaction open across WSGI requests, as Django's test client does.

    Outside the test client each request ends with ``close_old_connections``, which on
    PostgreSQL closes the connection that holds the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def some_leads(member: Any) -> None:
    for event in TriggerEventFactory.create_batch(3):
        ContactFactory.create(company=event.company)
    saved_search_create(member=member, name="Everything", criteria={})


@pytest.mark.clause("L2")
@schema.parametrize()
@EXAMPLES
def test_with_a_token_no_server_error_and_every_response_conforms(
    case: Any, saved_token: str, some_leads: None
) -> None:
    case.call_and_validate(headers=bearer(saved_token), checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_without_a_token_every_operation_answers_401_problem_details(case: Any, db: Any) -> None:
    response = case.call_and_validate(checks=CHECKS)
    # 405: schemathesis also tries methods the path does not have.
    assert response.status_code in (401, 405)
    assert response.headers["content-type"] == ["application/problem+json"]
