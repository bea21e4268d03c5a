"""Pauses 挂起 and extensions 延期 of an appeal's time limits, only with an approved reason.

The handling unit asks (``time_request_create``) with a reason; a user of a level above the
handling unit decides (``time_request_decide``). The rules:

* One open request per appeal at a time (pending, or a pause that is running).
* Approvers: ``appeals.approve`` (street staff, district office), the appeal in their scope,
  never the person who asked, and bound to a level above the handling unit: a street approves
  for its communities and grids, the district office for streets, departments and the district.
* An approved extension moves the completion deadline by its amount in the calendar of its
  unit (``deadlines.add``) and keeps the warning the same time before the new deadline; at most
  ``MAX_EXTENSIONS`` per appeal.
* An approved pause stops the clock from the approval: the sweep neither warns nor escalates a
  paused appeal, and it is not overdue. When it is resumed (``appeal_resume``, or automatically
  when the appeal is answered or closed), the response and completion deadlines and the warning
  time move later by the paused time (calendar time, exactly the time that was stopped).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import LEVEL_RANK

from . import deadlines
from .errors import AppealErrorCode
from .models import Appeal, TimeLimitClass, TimeRequest
from .services import _event, _reason, appeal_for_update

MAX_EXTENSIONS = 2
#: Statuses in which the clock runs and a pause or extension can be asked for.
RUNNING_STATUSES = (Appeal.Status.ACCEPTED, Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS,
                    Appeal.Status.REOPENED)


@transaction.atomic
def time_request_create(*, actor, appeal_id: int, kind: str, reason: str, extension_value: int | None = None,
                        extension_unit: str = "", now: dt.datetime | None = None) -> TimeRequest:
    """The handling unit asks to pause the clock or extend the completion deadline."""
    now = now or timezone.now()
    reason = _reason(reason)
    appeal = appeal_for_update(actor=actor, appeal_id=appeal_id)
    if kind not in TimeRequest.Kind.values:
        raise InvalidInput(_("申请类型不正确"), extra={"kind": kind})
    if appeal.status not in RUNNING_STATUSES:
        raise Conflict(_("只有办理中的诉求可以申请挂起或延期"), code=AppealErrorCode.INVALID_TRANSITION,
                       extra={"status": appeal.status})
    open_request = appeal.time_requests.filter(
        status=TimeRequest.Status.PENDING).exists() or appeal.paused_since is not None
    if open_request:
        raise Conflict(_("该诉求已有待审批的申请或正在挂起"), code=AppealErrorCode.TIME_REQUEST_PENDING)
    fields: dict = {}
    if kind == TimeRequest.Kind.EXTENSION:
        if not extension_value or extension_value <= 0 or extension_unit not in TimeLimitClass.CompletionUnit.values:
            raise InvalidInput(_("延期须填写正整数时长和单位(小时、自然日或工作日)"),
                               extra={"extension_value": extension_value, "extension_unit": extension_unit})
        approved = appeal.time_requests.filter(kind=kind, status=TimeRequest.Status.APPROVED).count()
        if approved >= MAX_EXTENSIONS:
            raise Conflict(_("延期次数已达上限"), code=AppealErrorCode.EXTENSION_LIMIT, extra={"limit": MAX_EXTENSIONS})
        fields = {"extension_value": extension_value, "extension_unit": extension_unit}
    request = TimeRequest.objects.create(appeal=appeal, kind=kind, reason=reason, requested_by=actor,
                                         requested_at=now, **fields)
    _event(appeal, actor=actor, verb=f"{kind}_requested", at=now, from_status=appeal.status, note=reason,
           extra={"request": request.pk, **fields})
    audit_record(actor=actor, verb=f"appeal.{kind}_requested", target=appeal, extra={"request": request.pk, **fields})
    return request


def approvable_q(user, via: str = "") -> Q:
    """The appeals whose pause and extension requests ``user`` may decide, by level: a user bound at
    the district (or above) decides for every unit of it, departments included; a street user for
    the communities and grids handled below it. ``via`` prefixes the lookups (``"appeal__"``)."""
    if scoping.is_global(user):
        return Q()
    ranks = [LEVEL_RANK[node.level] for node in scoping.bound_nodes(user)]
    if not ranks:
        return Q(pk__in=[])
    top = min(ranks)
    if top <= LEVEL_RANK["district"]:
        return Q()
    below = [level for level, rank in LEVEL_RANK.items() if rank > top]
    return Q(**{f"{via}handling_department__isnull": True, f"{via}handling_node__level__in": below})


def _ensure_approver(actor, appeal: Appeal, request: TimeRequest) -> None:
    if request.requested_by_id == actor.pk and not scoping.is_global(actor):
        raise NotAllowed(_("不能审批自己提出的申请"), code=AppealErrorCode.APPROVER_LEVEL)
    if not Appeal.objects.filter(approvable_q(actor), pk=appeal.pk).exists():
        raise NotAllowed(_("须由承办单位的上级审批"), code=AppealErrorCode.APPROVER_LEVEL)


@transaction.atomic
def time_request_decide(*, actor, request_id: int, approve: bool, note: str = "",
                        now: dt.datetime | None = None) -> TimeRequest:
    """Approve or reject a pending request. A rejection needs a note."""
    now = now or timezone.now()
    scoping.ensure_can(actor, "appeals.approve")
    request = TimeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    appeal = scoping.get_in_scope(Appeal.objects.select_for_update(of=("self",)).select_related("handling_node"), actor,
                                  pk=request.appeal_id)
    _ensure_approver(actor, appeal, request)
    if request.status != TimeRequest.Status.PENDING:
        raise Conflict(_("该申请已审批"), code=AppealErrorCode.INVALID_TRANSITION, extra={"status": request.status})
    note = (note or "").strip()
    if not approve and not note:
        raise InvalidInput(_("驳回必须填写理由"), code=AppealErrorCode.REASON_REQUIRED)
    request.decided_by, request.decided_at, request.decision_note = actor, now, note
    appeal_fields = ["updated_at"]
    if not approve:
        request.status = TimeRequest.Status.REJECTED
        verb = f"{request.kind}_rejected"
    elif request.kind == TimeRequest.Kind.EXTENSION:
        request.status = TimeRequest.Status.APPROVED
        request.due_before = appeal.completion_due_at
        lead = appeal.completion_due_at - appeal.completion_warn_at if appeal.completion_warn_at else dt.timedelta()
        appeal.completion_due_at = deadlines.add(appeal.completion_due_at, request.extension_value,
                                                 request.extension_unit, deadlines.calendar_from_db())
        appeal.completion_warn_at = appeal.completion_due_at - lead
        request.due_after = appeal.completion_due_at
        appeal_fields += ["completion_due_at", "completion_warn_at"]
        appeal_fields += _clear_marks(appeal, now)
        verb = "extended"
    else:
        request.status = TimeRequest.Status.APPROVED
        request.paused_from = appeal.paused_since = now
        appeal_fields.append("paused_since")
        verb = "paused"
    request.save()
    appeal.save(update_fields=appeal_fields)
    _event(appeal, actor=actor, verb=verb, at=now, from_status=appeal.status, note=note or request.reason,
           extra={"request": request.pk, "due_after": request.due_after.isoformat() if request.due_after else None})
    audit_record(actor=actor, verb=f"appeal.{verb}", target=appeal, extra={"request": request.pk, "note": note})
    return request


def _clear_marks(appeal: Appeal, now: dt.datetime) -> list[str]:
    """A moved deadline starts afresh: warnings and escalations that no longer hold are cleared."""
    fields = []
    if appeal.warned_at and appeal.completion_warn_at and appeal.completion_warn_at > now:
        appeal.warned_at = None
        fields.append("warned_at")
    if appeal.escalated_at and appeal.completion_due_at > now:
        appeal.escalated_at, appeal.escalated_to = None, None
        fields += ["escalated_at", "escalated_to"]
    return fields


def end_pause(appeal: Appeal, *, actor, at: dt.datetime, note: str = "") -> list[str]:
    """End the running pause of ``appeal`` (locked by the caller): move its due times later by the
    paused time. Returns the appeal fields changed (the caller saves them)."""
    request = appeal.time_requests.select_for_update().filter(
        kind=TimeRequest.Kind.PAUSE, status=TimeRequest.Status.APPROVED).first()
    stopped = max(at - appeal.paused_since, dt.timedelta())
    fields = ["paused_since", "completion_due_at"]
    if appeal.accepted_at is None and appeal.response_due_at:
        appeal.response_due_at += stopped
        fields.append("response_due_at")
    appeal.completion_due_at += stopped
    if appeal.completion_warn_at:
        appeal.completion_warn_at += stopped
        fields.append("completion_warn_at")
    appeal.paused_since = None
    fields += _clear_marks(appeal, at)
    if request is not None:
        request.status, request.paused_until = TimeRequest.Status.ENDED, at
        request.due_after = appeal.completion_due_at
        request.save(update_fields=["status", "paused_until", "due_after", "updated_at"])
    _event(appeal, actor=actor, verb="resumed", at=at, from_status=appeal.status, note=note,
           extra={"paused_seconds": int(stopped.total_seconds()), "completion_due_at": appeal.completion_due_at.isoformat()})
    audit_record(actor=actor, verb="appeal.resumed", target=appeal, extra={"paused_seconds": int(stopped.total_seconds())})
    return fields


@transaction.atomic
def appeal_resume(*, actor, appeal_id: int, note: str = "", now: dt.datetime | None = None) -> Appeal:
    """Start the clock again after an approved pause (the handling unit or an approver)."""
    now = now or timezone.now()
    appeal = appeal_for_update(actor=actor, appeal_id=appeal_id)
    if appeal.paused_since is None:
        raise Conflict(_("该诉求未挂起"), code=AppealErrorCode.NOT_PAUSED)
    fields = end_pause(appeal, actor=actor, at=now, note=(note or "").strip())
    appeal.save(update_fields=[*fields, "updated_at"])
    return appeal
