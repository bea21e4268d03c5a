"""Schemathesis against our own OpenAPI schema: every operation, fed inputs generated from its
schema (and mutations of them), never answers with a server error. Calls go through the WSGI
application in process, as the system administrator, so every operation runs its full code."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def token(world):
    from shequ.appeals.tests.factories import ensure_catalog
    from shequ.accounts.services import api_token_create

    ensure_catalog()
    return api_token_create(actor=world.users["admin"], user=world.users["admin"], name="fuzz")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_no_operation_answers_with_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
