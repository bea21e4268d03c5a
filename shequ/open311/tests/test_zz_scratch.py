import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from .helpers import post_request

pytestmark = pytest.mark.django_db

def test_count(client, world, catalog, client_key):
    post_request(client, client_key, "json")
    with CaptureQueriesContext(connection) as ctx:
        r = post_request(client, client_key, "json")
    assert r.status_code == 200
    for q in ctx.captured_queries:
        print("Q:", q["sql"][:300])
