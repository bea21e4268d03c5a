"""Writes of the Open311 API: client keys, and service requests (POST requests).

A service request becomes an appeal through ``appeals.services.appeal_submit`` (channel
``open311``, no staff actor: whoever accepts it becomes its first receiver), in the same
transaction as the ``Submission`` that keeps the client, the token, the attribute answers and
the requester's email, device and account ids (encrypted).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.appeals.models import Channel, ServiceCategory
from shequ.appeals.services import appeal_submit
from shequ.core import writes
from shequ.core.audit import audit_record
from shequ.core.errors import ShequError
from shequ.core.kept import Kept, instance_copy
from shequ.jurisdiction.models import Node
from shequ.registry.models import Address

from .errors import Open311Error, from_shequ_error
from .models import ApiKey, Datatype, ServiceAttribute, Submission
from .selectors import attribute_list, parse_w3c

KEY_PREFIX = "o311_"
DESCRIPTION_MAX = 4000
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, actor, name: str, district: Node | None = None, batch: bool = False) -> tuple[ApiKey, str]:
    """Create a client key; return it with the key itself, which is shown only now."""
    name = (name or "").strip()
    if not name:
        raise Open311Error(400, _("客户端名称不能为空"))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(name=name[:100], prefix=key[:10], key_hash=_digest(key), district=district,
                                    batch=batch)
    audit_record(actor=actor, verb="open311.key_created", target=api_key,
                 extra={"name": api_key.name, "district": district.code if district else ""})
    return api_key, key


#: Client keys this process has checked (``shequ.core.kept``; a change to a key drops them, see ``apps``).
kept_keys = Kept("open311-key")


def api_key_check(key: str | None) -> ApiKey:
    """The active client key, or 403."""
    key = (key or "").strip()
    if not key:
        raise Open311Error(403, _("缺少 api_key"))
    digest = _digest(key)
    api_key = kept_keys.get(digest)
    if api_key is None:
        generation = kept_keys.generation()
        api_key = ApiKey.objects.select_related("district").filter(key_hash=digest, active=True).first()
        if api_key is None:
            raise Open311Error(403, _("api_key 无效或已停用"))
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 300:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now
        kept_keys.put(digest, api_key, generation)
    return instance_copy(api_key)


def attributes_from_form(data) -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` from a QueryDict."""
    answers: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            answers.setdefault(match.group(1), []).extend(data.getlist(key))
    return answers


def _answer(attribute: ServiceAttribute, values: list[str], errors: list[str]):
    name = f"attribute[{attribute.code}]"
    if attribute.datatype == Datatype.MULTI:
        keys = attribute.value_keys()
        wrong = [v for v in values if v not in keys]
        if wrong:
            errors.append(_("%(n)s:取值 %(v)s 不在选项中(%(keys)s)") % {
                "n": name, "v": ",".join(wrong), "keys": ",".join(keys)})
        return list(dict.fromkeys(values))
    if len(values) > 1:
        errors.append(_("%(n)s 只能有一个值") % {"n": name})
        return None
    value = values[0]
    if attribute.datatype == Datatype.SINGLE:
        if value not in attribute.value_keys():
            errors.append(_("%(n)s:取值 %(v)s 不在选项中(%(keys)s)") % {
                "n": name, "v": value, "keys": ",".join(attribute.value_keys())})
        return value
    if attribute.datatype == Datatype.NUMBER:
        try:
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(_("%(n)s 应为数字") % {"n": name})
            return None
        return int(number) if number == number.to_integral_value() else float(number)
    if attribute.datatype == Datatype.DATETIME:
        try:
            return parse_w3c(name, value).isoformat()
        except Open311Error as exc:
            errors.extend(exc.descriptions)
            return None
    limit = 300 if attribute.datatype == Datatype.STRING else DESCRIPTION_MAX
    if attribute.datatype == Datatype.STRING and ("\n" in value or "\r" in value):
        errors.append(_("%(n)s 不能换行") % {"n": name})
    if len(value) > limit:
        errors.append(_("%(n)s 不能超过 %(l)d 个字符") % {"n": name, "l": limit})
    return value


def attributes_validate(category: ServiceCategory, raw: dict[str, list[str]]) -> dict:
    """Check the answers against the service definition: required, datatype, allowed values.

    Return the answers by code; raise 400 listing every problem. Codes the definition does not
    have are refused; answers to informational (non-variable) attributes are ignored.
    """
    attributes = {a.code: a for a in attribute_list(category)}
    errors = [_("attribute[%(c)s] 不是该服务的字段") % {"c": code} for code in raw if code not in attributes]
    answers = {}
    for code, attribute in attributes.items():
        if not attribute.variable:
            continue
        values = [v.strip() for v in raw.get(code, []) if v and v.strip()]
        if not values:
            if attribute.required:
                errors.append(_("attribute[%(c)s] 必填:%(d)s") % {"c": code, "d": attribute.description})
            continue
        value = _answer(attribute, values, errors)
        if value is not None:
            answers[code] = value
    if errors:
        raise Open311Error(400, *errors)
    return answers


def _float(name: str, value: str | None) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, _("%(n)s 应为数字(WGS84 经纬度)") % {"n": name}) from None


def _requester_name(first_name: str, last_name: str) -> str:
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if any(ord(c) > 0x2E7F for c in first + last):
        return f"{last}{first}"  # Chinese order: family name first, no space
    return " ".join(p for p in (first, last) if p)


def _check_optional(email: str, media_url: str) -> None:
    errors = []
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.append(_("email 格式不正确"))
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(_("media_url 应为不超过 500 个字符的 http(s) 链接"))
    if errors:
        raise Open311Error(400, *errors)


def request_submit(*, api_key: ApiKey, district: Node | None, category: ServiceCategory, lat: str = "",
                   long: str = "", address_string: str = "", address_id: str = "", attributes=None,
                   email: str = "", device_id: str = "", account_id: str = "", first_name: str = "",
                   last_name: str = "", phone: str = "", description: str = "", media_url: str = "",
                   now: dt.datetime | None = None) -> Submission:
    """Create the appeal of one POSTed service request, or raise 400/403/404 and write nothing.

    The submission is written with the appeal's own rows (``appeal_submit(extra=…)``: one write,
    all or none); the intake's audit record names the client."""
    if api_key.district_id and district is not None and district.pk != api_key.district_id:
        raise Open311Error(403, _("该 api_key 只能向 %(d)s 提交诉求") % {"d": api_key.district.code})
    district = district or api_key.district
    answers = attributes_validate(category, attributes or {})
    description = (description or "").strip()
    if not description:
        raise Open311Error(400, _("缺少 description(诉求内容)"))
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _("description 不能超过 4000 个字符"))
    lat_value, lng_value = _float("lat", lat), _float("long", long)
    if (lat_value is None) != (lng_value is None):
        raise Open311Error(400, _("lat 和 long 必须同时提供"))
    address = None
    if (address_id or "").strip():
        address = Address.objects.filter(pk=address_id.strip()).first() if address_id.strip().isdigit() else None
        if address is None or (district is not None and address.district_id != district.pk):
            raise Open311Error(404, _("address_id %(a)s 不存在") % {"a": address_id})
    address_string = (address_string or "").strip()
    if lat_value is None and not address_string and address is None:
        raise Open311Error(400, _("请提供位置:lat 和 long,或 address_string,或 address_id"))
    if len(address_string) > 300:
        raise Open311Error(400, _("address_string 不能超过 300 个字符"))
    email, media_url = (email or "").strip(), (media_url or "").strip()
    _check_optional(email, media_url)
    submission = writes.new_row(Submission, api_key=api_key, token=secrets.token_hex(16), email=email,
                                device_id=(device_id or "").strip(), account_id=(account_id or "").strip(),
                                media_url=media_url, attributes=answers)

    def extra(appeal):
        if district is not None and appeal.district_id != district.pk:
            raise Open311Error(400, _("位置不在 jurisdiction_id %(d)s 的范围内") % {"d": district.code})
        submission.appeal = appeal
        return [submission]

    try:
        appeal_submit(actor=None, channel=Channel.OPEN311, category=category, description=description,
                      lng=lng_value, lat=lat_value, address=address, address_text=address_string,
                      requester_name=_requester_name(first_name, last_name)[:50],
                      requester_phone=(phone or "").strip(), district=district, extra=extra,
                      audit={"client": api_key.pk, "client_name": api_key.name}, now=now)
    except ShequError as exc:
        raise from_shequ_error(exc) from None
    return submission
