"""Multi-unit appeals 多部门联办: the handling unit leads (主办), co-handlers (协办) answer their part.

* The lead (a user who may move the appeal, see ``services.appeal_for_update``) adds a
  co-handling department of the appeal's district, or a node whose jurisdiction contains the
  appeal's place (so that it can see it), with the task it is to do.
* A co-handler's user answers its part (``cohandler_reply``); a department co-handler sees the
  appeal through the central scope (``scoping.DEPARTMENT_LOOKUP``) but cannot move it.
* The lead's reply to the requester waits until every co-handler has answered (409 naming the
  ones missing); a co-handler that has not answered can be removed by the lead, with a reason.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Node

from .errors import AppealErrorCode
from .models import Appeal, CoHandler
from .services import _event, _reason, appeal_for_update
from .timing import RUNNING_STATUSES


@transaction.atomic
def cohandler_add(*, actor, appeal_id: int, task: str, node: Node | None = None, department: Department | None = None,
                  now: dt.datetime | None = None) -> CoHandler:
    now = now or timezone.now()
    task = (task or "").strip()
    if not task:
        raise InvalidInput(_("请填写协办事项"), code=AppealErrorCode.REASON_REQUIRED)
    if (node is None) == (department is None):
        raise InvalidInput(_("请指定一个协办单位(辖区单位或部门)"))
    appeal = appeal_for_update(actor=actor, appeal_id=appeal_id)
    if appeal.status not in RUNNING_STATUSES:
        raise Conflict(_("只有办理中的诉求可以增加协办单位"), code=AppealErrorCode.INVALID_TRANSITION,
                       extra={"status": appeal.status})
    if department is not None:
        if department.district_id != appeal.district_id:
            raise InvalidInput(_("协办部门须属于诉求所在的区"), extra={"department": department.pk})
        if department.pk == appeal.handling_department_id:
            raise InvalidInput(_("主办部门不能同时作为协办单位"))
    else:
        (key, value), = node.scope_filter().items()
        if getattr(appeal, key, None) != value:
            raise InvalidInput(_("协办辖区单位须管辖诉求发生地"), extra={"node": node.pk})
        if node.pk == appeal.handling_node_id:
            raise InvalidInput(_("主办单位不能同时作为协办单位"))
    if appeal.cohandlers.filter(node=node, department=department).exists():
        raise Conflict(_("该单位已是协办单位"))
    cohandler = CoHandler.objects.create(appeal=appeal, node=node, department=department, task=task,
                                         added_by=actor, added_at=now)
    unit = cohandler.unit
    _event(appeal, actor=actor, verb="cohandler_added", at=now, from_status=appeal.status, note=task,
           extra={"unit": unit.name, "cohandler": cohandler.pk})
    audit_record(actor=actor, verb="appeal.cohandler_added", target=appeal, extra={"unit": unit.name})
    return cohandler


def _cohandler_in_scope(actor, cohandler_id: int) -> tuple[CoHandler, Appeal]:
    cohandler = CoHandler.objects.select_for_update(of=("self",)).select_related("node", "department").filter(pk=cohandler_id).first()
    if cohandler is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    appeal = scoping.get_in_scope(Appeal.objects.select_for_update(), actor, pk=cohandler.appeal_id)
    return cohandler, appeal


def _acts_for(actor, cohandler: CoHandler) -> bool:
    if scoping.is_global(actor):
        return True
    if cohandler.department_id:
        return cohandler.department_id in scoping.bound_department_ids(actor)
    return any(node.pk == cohandler.node_id for node in scoping.bound_nodes(actor))


@transaction.atomic
def cohandler_reply(*, actor, cohandler_id: int, reply: str, now: dt.datetime | None = None) -> CoHandler:
    """A co-handling unit answers its part."""
    now = now or timezone.now()
    reply = (reply or "").strip()
    if not reply:
        raise InvalidInput(_("答复内容不能为空"))
    scoping.ensure_can(actor, "appeals.handle")
    cohandler, appeal = _cohandler_in_scope(actor, cohandler_id)
    if not _acts_for(actor, cohandler):
        raise NotAllowed(_("只有该协办单位可以答复此部分"), code=AppealErrorCode.COHANDLER_ONLY)
    if cohandler.replied_at is not None:
        raise Conflict(_("该协办单位已答复"))
    cohandler.reply, cohandler.replied_by, cohandler.replied_at = reply, actor, now
    cohandler.save(update_fields=["reply", "replied_by", "replied_at", "updated_at"])
    _event(appeal, actor=actor, verb="cohandler_replied", at=now, from_status=appeal.status, note=reply,
           extra={"unit": cohandler.unit.name, "cohandler": cohandler.pk})
    audit_record(actor=actor, verb="appeal.cohandler_replied", target=appeal, extra={"unit": cohandler.unit.name})
    return cohandler


@transaction.atomic
def cohandler_remove(*, actor, cohandler_id: int, reason: str, now: dt.datetime | None = None) -> None:
    """The lead removes a co-handler that has not answered, with a reason."""
    now = now or timezone.now()
    reason = _reason(reason)
    cohandler = CoHandler.objects.filter(pk=cohandler_id).first()
    if cohandler is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    appeal = appeal_for_update(actor=actor, appeal_id=cohandler.appeal_id)
    if cohandler.replied_at is not None:
        raise Conflict(_("已答复的协办单位不能移除"))
    unit = cohandler.unit.name
    cohandler.delete()
    _event(appeal, actor=actor, verb="cohandler_removed", at=now, from_status=appeal.status, note=reason,
           extra={"unit": unit})
    audit_record(actor=actor, verb="appeal.cohandler_removed", target=appeal, extra={"unit": unit, "reason": reason})


def ensure_cohandlers_answered(appeal: Appeal) -> None:
    """The lead may answer the requester only when every co-handler has answered its part."""
    pending = [str(c.unit) for c in appeal.cohandlers.filter(replied_at__isnull=True).select_related("node", "department")]
    if pending:
        raise Conflict(_("尚有协办单位未答复:%(units)s") % {"units": "、".join(pending)},
                       code=AppealErrorCode.COHANDLERS_PENDING, extra={"units": pending})
