"""JSON and XML renderings of GeoReport v2 documents.

JSON follows the spec's examples; XML is the same data with the spec's element names: a list
under ``services`` holds ``service`` elements, ``attributes`` holds ``attribute`` and so on.
Booleans are ``true``/``false``, a missing value is ``null`` (JSON) or an empty element (XML),
datetimes are W3C (ISO 8601 with offset) in Asia/Shanghai time.
"""
from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree

from django.db.models import CharField, Func
from django.http import HttpResponse

from shequ.appeals.deadlines import SHANGHAI

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("xml", "json")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: The element name of one item of each list (the spec's singular of the list's name).
ITEM = {"services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
        "endpoints": "endpoint", "formats": "format", "errors": "error"}


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime with its offset, e.g. 2026-11-26T10:00:00+08:00."""
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds") if value else None


class W3C(Func):
    """``w3c`` done by the database: a datetime column read as that text (NULL stays NULL).

    A list of 100 requests has 300 to 400 datetimes; reading each as a time-zone-aware datetime
    and formatting it again cost more than the rest of the list. China Standard Time is UTC+8 all
    year (no daylight saving since 1991), so the offset is written as a constant.
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=(
            "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+08:00'"), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores SQLite datetimes as UTC text ("2026-11-26 15:59:59.999999"): the fraction is
        # cut off first, as isoformat(timespec="seconds") does (SQLite would round it to the
        # millisecond, up to the next second); %%%% ends as one % in the query.
        return self.as_sql(compiler, connection, template=(
            "strftime('%%%%Y-%%%%m-%%%%dT%%%%H:%%%%M:%%%%S+08:00', substr(%(expressions)s, 1, 19), '+8 hours')"),
            **extra)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, name: str, value) -> None:
    element = ElementTree.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ElementTree.Element, name: str, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, ITEM[name], item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, root, data)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="unicode").encode("utf-8")


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """``data`` as JSON, or as XML under the element ``root``."""
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


def error_response(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error document: ``[{"code": 400, "description": "..."}]`` / ``<errors><error>``."""
    return render(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status)
