"""The endpoints against third-party Open311 clients from PyPI, over a live HTTP server.

* ``georeport`` (0.3, Python 3): services, service definitions, requests and one request, in
  JSON and in XML. It has no discovery, POST or token call.
* ``three`` (0.8, Code for America): discovery, POST requests and tokens, in JSON. It was written
  for Python 2 and imports ``itertools.ifilter``; the one-line alias below is the only change,
  the library's own code does the HTTP calls and parsing. (``open311`` 1.1, the other client on
  PyPI, is Python-2 only beyond such a fix: its package imports fail on Python 3.)
"""
from __future__ import annotations

import itertools

import pytest

from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import POINT_IN
from shequ.open311.services import api_key_create

from .conftest import ensure_attributes

if not hasattr(itertools, "ifilter"):
    itertools.ifilter = filter  # Python 2's name, used by three.core

georeport = pytest.importorskip("georeport")
three = pytest.importorskip("three")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def endpoint(live_server, world):
    ensure_attributes()
    return f"{live_server.url}/open311"


def test_georeport_reads_services_definitions_and_requests(endpoint, world):
    key = api_key_create(actor=None, name="georeport")[1]
    number = three.Three(endpoint, api_key=key, format="json").post(
        "noise_neighbor", lat=str(POINT_IN["A"][1]), long=str(POINT_IN["A"][0]), description="楼上夜间噪声",
        **{"attribute[time_of_day]": "night"})[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = georeport.GeoReport(endpoint, jurisdiction="110105", output_format=fmt)
        services = {s["service_code"]: s for s in client.get_service_list()}
        assert services["noise_neighbor"]["service_name"] == "邻里噪声"
        assert str(services["noise_neighbor"]["metadata"]).lower() == "true"
        definition = client.get_service_definition("noise_neighbor")
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert attributes[0]["code"] == "time_of_day"
        found = client.get_service_requests(service_code="noise_neighbor", status="open")
        found = [found] if isinstance(found, dict) else found
        assert [r["service_request_id"] for r in found] == [number]
        one = client.get_service_request(number)
        assert (one["service_request_id"], one["status"]) == (number, "open")


def test_three_discovers_posts_and_follows_a_token(endpoint, world):
    key = api_key_create(actor=None, name="three")[1]
    client = three.Three(endpoint, api_key=key, format="json")
    discovery = client.discovery()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert client.services("noise_neighbor")["service_code"] == "noise_neighbor"
    answer = client.post("sanitation", address="甲社区路10号", name="Xiao Wang", phone="13912345678",
                         email="wang@example.com", description="楼道堆满垃圾")
    number = answer[0]["service_request_id"]
    appeal = Appeal.objects.get(number=number)
    assert (appeal.channel, appeal.requester_name) == ("open311", "Xiao Wang")
    assert client.request(number)[0]["status"] == "open"
    assert number in [r["service_request_id"] for r in client.requests()]
    refused = client.post("sanitation", description="没有位置")
    assert (client.post_response.status_code, refused[0]["code"]) == (400, 400)

    batch = three.Three(endpoint, api_key=api_key_create(actor=None, name="three batch", batch=True)[1], format="json")
    token = batch.post("sanitation", lat=str(POINT_IN["B"][1]), long=str(POINT_IN["B"][0]),
                       description="垃圾未清运")[0]["token"]
    assert batch.token(token)[0]["service_request_id"] == Appeal.objects.get(open311__token=token).number
