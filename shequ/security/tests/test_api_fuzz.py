"""Schemathesis against our own OpenAPI schema: every operation, fed inputs generated from its
schema (and mutations of them), never answers with a server error. Calls go through the WSGI
application in process, as the system administrator, so every operation runs its full code."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

# The fuzz exercises input handling, which does not depend on the database: it runs on the SQLite
# pass of the suite only (the PostgreSQL pass has the rest of the suite, the walk and the properties).
pytestmark = pytest.mark.skipif(os.environ.get("SHEQU_TEST_DB") == "postgres",
                                reason="schema fuzzing runs once, on the SQLite pass")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (close_old_connections);
    Django's own test client switches that off, so must we: the test's transaction lives on it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    from shequ.accounts.models import Role
    from shequ.accounts.services import api_token_create, user_create
    from shequ.appeals.tests.factories import ensure_catalog

    ensure_catalog()
    admin = user_create(actor=None, username="fuzz", password="Fuzz2026pass", role=Role.ADMIN, is_staff=True)
    return api_token_create(actor=admin, user=admin, name="fuzz")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_no_operation_answers_with_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
