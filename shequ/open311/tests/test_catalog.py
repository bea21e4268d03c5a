"""Discovery, service list and service definitions, JSON and XML, and attributes as admin data."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from shequ.appeals.models import ServiceCategory
from shequ.open311.models import ServiceAttribute

from .helpers import BASE, body, errors

pytestmark = pytest.mark.django_db


def test_discovery_lists_the_georeport_v2_endpoint_in_json_and_xml(client, catalog):
    data = body(client.get(f"{BASE}/discovery.json"))
    endpoint, = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"] == data["changeset"] and data["changeset"].endswith("+08:00")
    response = client.get(f"{BASE}/discovery.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = body(response)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_changeset_moves_when_an_attribute_changes(client, catalog):
    before = body(client.get(f"{BASE}/discovery.json"))["changeset"]
    attribute = ServiceAttribute.objects.get(category__code="street_light", code="lights_out")
    attribute.description = "不亮的路灯有几盏"
    attribute.save()
    assert body(client.get(f"{BASE}/discovery.json"))["changeset"] >= before


def test_services_list_the_active_catalog_with_metadata_flag(client, catalog):
    ServiceCategory.objects.filter(code="other").update(active=False)
    services = {s["service_code"]: s for s in body(client.get(f"{BASE}/services.json"))}
    assert "other" not in services
    assert len(services) == ServiceCategory.objects.filter(active=True).count()
    noise = services["noise_neighbor"]
    assert (noise["service_name"], noise["group"], noise["type"], noise["metadata"]) == ("邻里噪声", "噪声扰民", "realtime", True)
    assert "邻里噪声" in noise["keywords"] and "网格" in noise["description"]
    assert services["sanitation"]["metadata"] is False
    root = body(client.get(f"{BASE}/services.xml"))
    xml_noise = next(s for s in root.findall("service") if s.findtext("service_code") == "noise_neighbor")
    assert (xml_noise.findtext("metadata"), xml_noise.findtext("type")) == ("true", "realtime")


def test_service_definition_lists_attributes_in_order(client, catalog):
    data = body(client.get(f"{BASE}/services/noise_neighbor.json"))
    assert data["service_code"] == "noise_neighbor"
    first, second = data["attributes"]
    assert (first["code"], first["datatype"], first["required"], first["order"], first["variable"]) == (
        "time_of_day", "singlevaluelist", True, 1, True)
    assert {"key": "night", "name": "夜间(22–6时)"} in first["values"]
    assert (second["code"], second["datatype"], second["required"]) == ("source", "multivaluelist", False)
    root = body(client.get(f"{BASE}/services/noise_neighbor.xml"))
    assert root.tag == "service_definition"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute")[0].findall("values/value")]
    assert keys == ["day", "night", "all_day"]
    info = body(client.get(f"{BASE}/services/gas_leak.json"))["attributes"][0]
    assert (info["variable"], info["required"]) == (False, False)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_inactive_service_is_404_in_the_spec_format(client, catalog, fmt):
    response = client.get(f"{BASE}/services/nope.{fmt}")
    assert response.status_code == 404
    assert errors(response) == [(404, "service_code nope 不存在或已停用")]
    ServiceCategory.objects.filter(code="noise_neighbor").update(active=False)
    assert client.get(f"{BASE}/services/noise_neighbor.{fmt}").status_code == 404


def test_attribute_rules_are_checked_when_edited(catalog):
    category = ServiceCategory.objects.get(code="sanitation")
    bad = [
        ServiceAttribute(category=category, code="a", description="x", datatype="singlevaluelist", values=[]),
        ServiceAttribute(category=category, code="b", description="x", datatype="string", values=[{"key": "1", "name": "一"}]),
        ServiceAttribute(category=category, code="c", description="x", datatype="multivaluelist",
                         values=[{"key": "1", "name": "一"}, {"key": "1", "name": "二"}]),
        ServiceAttribute(category=category, code="d", description="x", variable=False, required=True),
    ]
    for attribute in bad:
        with pytest.raises(ValidationError):
            attribute.full_clean()


def test_admin_edits_attributes_and_others_may_not(client, world, catalog):
    category = ServiceCategory.objects.get(code="sanitation")
    client.force_login(world.users["admin"])
    response = client.post("/admin/open311/serviceattribute/add/", {
        "category": category.pk, "code": "floor", "description": "在几楼?", "datatype": "number",
        "datatype_description": "", "variable": "on", "required": "on", "order": "1", "values": "[]", "active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert body(client.get(f"{BASE}/services/sanitation.json"))["attributes"][0]["code"] == "floor"
    client.force_login(world.users["office"])
    assert client.get("/admin/open311/serviceattribute/").status_code in (302, 403)


def test_errors_and_notices_are_translated_to_english(client, catalog):
    from django.utils import translation

    with translation.override("en"):
        response = client.get(f"{BASE}/services/nope.json", HTTP_ACCEPT_LANGUAGE="en")
        assert errors(response) == [(404, "service_code nope was not found or is inactive")]
        noise = next(s for s in body(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en"))
                     if s["service_code"] == "noise_neighbor")
        assert "working days" in noise["description"]
