"""The GeoReport v2 documents built from the catalog and from appeals (plain dicts and lists,
rendered by ``formats``). A request document carries no personal data: see ``request_doc``."""
from __future__ import annotations

import functools
import re

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from shequ.appeals.catalog import Catalog, catalog
from shequ.appeals.models import Appeal, ServiceCategory, TimeLimitClass, UnitKind
from shequ.core.crypto import decrypt
from shequ.jurisdiction.selectors import node_names

from .formats import CONTENT_TYPES, FORMATS, SPECIFICATION, w3c
from .models import ServiceAttribute
from .selectors import CLOSED

#: Every service request is created while the client waits (see ``services.request_submit``).
SERVICE_TYPE = "realtime"
_UNITS = {TimeLimitClass.CompletionUnit.HOURS: gettext_lazy("小时"),
          TimeLimitClass.CompletionUnit.CALENDAR_DAYS: gettext_lazy("天"),
          TimeLimitClass.CompletionUnit.WORKING_DAYS: gettext_lazy("个工作日")}


def discovery_doc(*, url: str, changeset, production: bool) -> dict:
    stamp = w3c(changeset)
    return {
        "changeset": stamp,
        "contact": _("接诉即办 Open311 接口。问题请联系本区接诉即办管理员。"),
        "key_service": _("提交诉求需要 api_key:由系统管理员在管理后台“Open311 密钥”中创建,或运行 manage.py open311_key。"),
        "endpoints": [{
            "specification": SPECIFICATION, "url": url, "changeset": stamp,
            "type": "production" if production else "test",
            "formats": [CONTENT_TYPES[f].split(";")[0] for f in FORMATS],
        }],
    }


def service_notice(time_limit: TimeLimitClass) -> str:
    return _service_notice(get_language(), time_limit.name, time_limit.completion_value, time_limit.completion_unit)


@functools.lru_cache(maxsize=256)
def _service_notice(language: str | None, name: str, value: int, unit: str) -> str:
    """The notice in ``language`` (the active one: the key of the memo), made once per class and
    language (every Open311 POST answers with it)."""
    return _("按“%(cls)s”时限办理:%(value)d%(unit)s内办结") % {
        "cls": name, "value": value, "unit": str(_UNITS.get(unit, ""))}


def service_doc(category: ServiceCategory) -> dict:
    unit = UnitKind(category.unit_kind).label
    keywords = [category.name, category.group, str(category.get_contact_kind_display()), category.code]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(name)s:由%(unit)s承办,%(notice)s") % {
            "name": category.name, "unit": unit, "notice": service_notice(category.time_limit)},
        "metadata": bool(getattr(category, "has_attributes", False)),
        "type": SERVICE_TYPE,
        "keywords": ",".join(k for k in keywords if k),
        "group": category.group,
    }


def attribute_doc(attribute: ServiceAttribute) -> dict:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in attribute.values or []],
    }


def definition_doc(category: ServiceCategory, attributes: list[ServiceAttribute]) -> dict:
    return {"service_code": category.code, "attributes": [attribute_doc(a) for a in attributes]}


_ASCII_DIGIT = re.compile(r"[0-9]")


def _secrets(row: dict, text: str) -> list[str]:
    """The requester's own data that ``text`` (free text a requester may have typed it into) could
    hold, to be blanked out. The name is always decrypted; the phone (read sealed) only when the
    text has a digit and the email only when it has an @, as they cannot be in it otherwise."""
    values = [row["requester_name"]]
    phone = row["requester_phone_sealed"]
    if phone and _ASCII_DIGIT.search(text):
        values.append(decrypt(phone))
    if row["open311__id"] is not None:
        email = row["open311__email_sealed"]
        if email and "@" in text:
            values.append(decrypt(email))
        values += [decrypt(row["open311__device_id_sealed"]), decrypt(row["open311__account_id_sealed"])]
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 2}, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret.lower() == secret.upper():  # no letter with a case (digits, Chinese): a plain search
            if secret in text:
                text = text.replace(secret, "*" * len(secret))
        else:
            text = re.sub(re.escape(secret), "*" * len(secret), text, flags=re.IGNORECASE)
    return text


def status_of(status: str) -> str:
    return "closed" if status in CLOSED else "open"


def request_docs(rows: list[dict]) -> list[dict]:
    """The documents of rows of ``selectors.REQUEST_COLUMNS``; labels and notices made once per list."""
    labels = {value: str(label) for value, label in Appeal.Status.choices}
    notices: dict[int, str] = {}
    kept = catalog()
    units = node_names({row["handling_node_id"] for row in rows if row["handling_node_id"]})
    return [request_doc(row, labels, notices, kept, units) for row in rows]


def request_doc(row: dict, labels: dict[str, str], notices: dict[int, str], kept: Catalog,
                units: dict[int, str]) -> dict:
    """One service request. Never the requester's name, phone, email, device or account id."""
    status = row["status"]
    notes = labels[status]
    if status in CLOSED and row["reply"]:
        notes = f"{notes}:{row['reply']}"
    secrets = _secrets(row, f"{notes}\n{row['description']}\n{row['address_text']}")
    category = kept.by_id[row["category_id"]]
    notice = notices.get(category.time_limit_id)
    if notice is None:
        notice = notices[category.time_limit_id] = service_notice(category.time_limit)
    media = row["open311__media_url"] if row["open311__id"] is not None else ""
    department = kept.department_names.get(row["handling_department_id"]) if row["handling_department_id"] else None
    return {
        "service_request_id": row["number"],
        "status": status_of(status),
        "status_notes": redact(notes, secrets),
        "service_name": category.name,
        "service_code": category.code,
        "description": redact(row["description"], secrets),
        "agency_responsible": department or units.get(row["handling_node_id"]) or None,
        "service_notice": notice,
        "requested_datetime": row["received_at_w3c"],
        "updated_datetime": (row["closed_at_w3c"] if status == Appeal.Status.CLOSED and row["closed_at_w3c"]
                             else row["updated_at_w3c"]),
        "expected_datetime": row["completion_due_at_w3c"],
        "address": redact(row["address_text"], secrets) or None,
        "address_id": row["address_id"],
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lng"],
        "media_url": media or None,
    }
