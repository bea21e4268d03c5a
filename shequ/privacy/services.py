"""Handle a resident's personal-information requests: file, complete (copy / correct / erase), reject.

Erasure keeps statistics right: the resident's row stays where it was counted (community, household,
sex, birth year, tags, status), only what identifies the person is removed — name, ID number, phone,
day and month of birth, notes — from the registry and from the appeals they filed, and their account
is closed. Every step is audit-logged without personal data in the log.
"""
from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.core.audit import audit_record
from shequ.core.errors import InvalidInput, InvalidTransition, NotAllowed
from shequ.jurisdiction import scoping
from shequ.registry.models import Resident

from .models import DataRequest

#: fields a resident may ask to have corrected, and how they are applied (registry.services.resident_update)
CORRECTABLE = {"name": _("姓名"), "phone": _("联系电话"), "id_number": _("身份证号"), "ethnicity": _("民族")}


def _number() -> str:
    today = timezone.localdate()
    prefix = f"PI-{today:%Y%m%d}-"
    last = DataRequest.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:04d}"


def _own_resident(actor) -> Resident | None:
    return getattr(actor, "resident", None) if getattr(actor, "role", None) == Role.RESIDENT else None


@transaction.atomic
def request_file(*, actor, resident: Resident, kind: str, reason: str = "", corrections: dict | None = None) -> DataRequest:
    """A resident files for themselves (online), or staff register a request made at the window."""
    own = _own_resident(actor)
    if own is not None:
        if own.pk != resident.pk:
            raise NotAllowed(_("只能为本人提交个人信息请求"))
        channel = DataRequest.Channel.SELF
    else:
        scoping.ensure_can(actor, "privacy.handle", resident)
        channel = DataRequest.Channel.WINDOW
    if kind not in DataRequest.Kind.values:
        raise InvalidInput(_("未知的请求类型"), extra={"field": "kind"})
    corrections = {k: (v or "").strip() for k, v in (corrections or {}).items() if (v or "").strip()}
    if kind == DataRequest.Kind.CORRECT:
        unknown = set(corrections) - set(CORRECTABLE)
        if unknown:
            raise InvalidInput(_("不可更正的字段:%(f)s") % {"f": ", ".join(sorted(unknown))}, extra={"field": "corrections"})
        if not corrections:
            raise InvalidInput(_("请填写要更正的内容"), extra={"field": "corrections"})
    elif corrections:
        raise InvalidInput(_("只有更正请求可以填写更正内容"), extra={"field": "corrections"})
    if kind == DataRequest.Kind.DELETE and not reason.strip():
        raise InvalidInput(_("删除请求须说明理由"), extra={"field": "reason"})
    if DataRequest.objects.filter(resident=resident, kind=kind, status=DataRequest.Status.RECEIVED).exists():
        raise InvalidInput(_("已有同类请求正在办理"), extra={"field": "kind"})
    request = DataRequest(number=_number(), kind=kind, channel=channel, resident=resident, filed_by=actor,
                          reason=reason.strip(), corrections=json.dumps(corrections, ensure_ascii=False) if corrections else "",
                          due_on=timezone.localdate() + dt.timedelta(days=settings.SHEQU_PI_REQUEST_DAYS))
    request.copy_location(resident)
    request.save()
    audit_record(actor=actor, verb="privacy.request_filed", target=request,
                 extra={"kind": kind, "channel": channel, "fields": sorted(corrections)})
    return request


def _locked(actor, request_id: int) -> DataRequest:
    qs = scoping.scope_queryset(DataRequest.objects.select_for_update(of=("self",)), actor)
    request = scoping.get_in_scope(qs, actor, pk=request_id)
    scoping.ensure_can(actor, "privacy.handle", request)
    if request.status != DataRequest.Status.RECEIVED:
        raise InvalidTransition(_("该请求已办结"))
    return request


@transaction.atomic
def request_complete(*, actor, request_id: int, response: str = "") -> DataRequest:
    request = _locked(actor, request_id)
    if request.kind == DataRequest.Kind.CORRECT:
        from shequ.registry.services import resident_update

        resident_update(actor=actor, resident=request.resident, **json.loads(request.corrections or "{}"))
    elif request.kind == DataRequest.Kind.DELETE:
        resident_erase(actor=actor, resident=request.resident)
    request.status = DataRequest.Status.COMPLETED
    request.response = response.strip() or {
        DataRequest.Kind.ACCESS: _("您的个人信息副本已生成,可在“我的个人信息”页面下载。"),
        DataRequest.Kind.CORRECT: _("已按您的申请更正。"),
        DataRequest.Kind.DELETE: _("已删除可识别您身份的信息;统计数据保留为匿名记录。"),
    }[request.kind]
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "response", "decided_by", "decided_at", "updated_at"])
    audit_record(actor=actor, verb="privacy.request_completed", target=request, extra={"kind": request.kind})
    return request


@transaction.atomic
def request_reject(*, actor, request_id: int, response: str) -> DataRequest:
    """Refuse with the legal reason (e.g. a retention duty under another law, PIPL art. 47)."""
    if not (response or "").strip():
        raise InvalidInput(_("不予办理须说明理由和依据"), extra={"field": "response"})
    request = _locked(actor, request_id)
    request.status = DataRequest.Status.REJECTED
    request.response = response.strip()
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "response", "decided_by", "decided_at", "updated_at"])
    audit_record(actor=actor, verb="privacy.request_rejected", target=request, extra={"kind": request.kind})
    return request


def resident_erase(*, actor, resident: Resident) -> Resident:
    """Remove what identifies a resident, keep what is counted (see the module docstring)."""
    from shequ.appeals.models import Appeal

    scoping.ensure_can(actor, "privacy.handle", resident)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    phone_hash = resident.phone_hash
    resident.name = _("已删除居民%(id)s") % {"id": resident.pk}
    resident.id_number, resident.id_hash, resident.phone, resident.phone_hash, resident.note = "", "", "", "", ""
    if resident.birth_date:
        resident.birth_date = resident.birth_date.replace(month=1, day=1)  # age structure kept by year
    resident.save(update_fields=["name", "id_number", "id_hash", "phone", "phone_hash", "note", "birth_date", "updated_at"])
    account = getattr(resident, "user", None)
    mine = Q(requester_user=account) if account is not None else Q(pk__in=[])
    if phone_hash:
        mine |= Q(requester_phone_hash=phone_hash)
    appeals = Appeal.objects.filter(mine).update(requester_name="", requester_phone="", requester_phone_hash="")
    if account is not None:
        from shequ.notify.models import Notification

        Notification.objects.filter(user=account).delete()
        account.is_active = False
        account.username = f"erased-{account.pk}"
        account.display_name = account.email = account.first_name = account.last_name = ""
        account.set_unusable_password()
        account.save()
    audit_record(actor=actor, verb="resident.erased", target=resident, target_repr=f"resident {resident.pk}",
                 extra={"appeals_anonymized": appeals, "account_closed": account is not None})
    return resident


def personal_data_copy(*, actor, request: DataRequest, channel: str) -> dict:
    """Everything the platform holds on the resident, in clear: for a completed access request only,
    downloaded by the resident (or by staff allowed to unmask, to hand over at the window)."""
    from shequ.appeals.models import Appeal

    if request.kind != DataRequest.Kind.ACCESS or request.status != DataRequest.Status.COMPLETED:
        raise InvalidTransition(_("副本在查阅请求办结后才能下载"))
    own = _own_resident(actor)
    if own is None or own.pk != request.resident_id:
        scoping.ensure_can(actor, "privacy.handle", request)
        if not scoping.can_unmask(actor):
            raise NotAllowed(_("下载明文副本须有查看个人信息明文的权限"))
    r = request.resident
    account = getattr(r, "user", None)
    mine = Q(requester_user=account) if account is not None else Q(pk__in=[])
    if r.phone_hash:
        mine |= Q(requester_phone_hash=r.phone_hash)
    appeals = Appeal.objects.filter(mine)
    copy = {
        "generated_at": timezone.now().isoformat(),
        "resident": {
            "name": r.name, "id_number": r.id_number, "phone": r.phone,
            "birth_date": r.birth_date.isoformat() if r.birth_date else None, "sex": r.get_sex_display(),
            "ethnicity": r.ethnicity, "residence_type": r.get_residence_type_display(), "status": r.get_status_display(),
            "relation": r.relation, "household": r.household.number if r.household_id else None,
            "house": r.house.code if r.house_id else None, "tags": [t.name for t in r.tags.all()],
        },
        "moves": [{"household": m.household.number, "joined_on": str(m.joined_on), "left_on": str(m.left_on or "")}
                  for m in r.memberships.select_related("household")],
        "appeals": [{"number": a.number, "category": a.category.name, "description": a.description,
                     "status": a.get_status_display(), "received_at": a.received_at.isoformat()}
                    for a in appeals.select_related("category").order_by("id")],
    }
    audit_record(actor=actor, verb="privacy.copy_downloaded", target=request, extra={"channel": channel})
    return copy
