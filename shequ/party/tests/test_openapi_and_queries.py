"""The OpenAPI document includes both routers, and the dashboard selectors run in a fixed number of queries."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.party import selectors
from shequ.registry.tests.apiclient import api_as
from shequ.socialorgs import selectors as org_selectors

from .factories import units


def test_openapi_lists_party_and_socialorgs(world):
    answer = api_as(world, "office").get("/openapi.json")
    assert answer.status == 200
    paths = answer.data["paths"]
    assert "/api/party/organizations" in paths and "/api/party/roster/file" in paths
    assert "/api/socialorgs/public" in paths and paths["/api/socialorgs/public"]["get"].get("security") in (None, [])


def test_dashboard_selectors_query_counts(world):
    units(world)
    office = world.users["office"]
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage_by_sector(user=office)
    assert len(ctx.captured_queries) <= 2  # bindings (cached afterwards) + the grouped count
    with CaptureQueriesContext(connection) as ctx:
        selectors.meeting_counts(user=office, year=2026)
    assert len(ctx.captured_queries) <= 3
    with CaptureQueriesContext(connection) as ctx:
        org_selectors.community_counts(user=office)
    assert len(ctx.captured_queries) <= 3
    with CaptureQueriesContext(connection) as ctx:
        list(selectors.organization_list(user=office))
        list(selectors.meeting_list(user=office))
        list(selectors.registration_list(user=office))
    assert len(ctx.captured_queries) <= 3
