"""Shared requests of the Open311 tests: a POST as a client sends it, XML parsed like a client does."""
from __future__ import annotations

import json
from xml.etree import ElementTree

from shequ.appeals.tests.factories import POINT_IN

BASE = "/open311"


def post_request(client, key: str, fmt: str = "json", at: str = "A", **fields):
    data = {"api_key": key, "service_code": "sanitation", "description": "楼道堆满垃圾"}
    if at:
        data["long"], data["lat"] = POINT_IN[at]
    data.update(fields)
    return client.post(f"{BASE}/requests.{fmt}", data)


def body(response):
    if response["Content-Type"].startswith("text/xml"):
        return ElementTree.fromstring(response.content)
    return json.loads(response.content)


def errors(response) -> list[tuple[int, str]]:
    """The spec's error list, from JSON or XML."""
    data = body(response)
    if isinstance(data, list):
        return [(e["code"], e["description"]) for e in data]
    assert data.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in data.findall("error")]
