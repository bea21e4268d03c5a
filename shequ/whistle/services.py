"""Writes on whistles: blow the whistle, each department's steps, the street's scores, closing.

Each service owns its transaction, checks the actor's capability and scope through
``jurisdiction.scoping``, changes a department's row through the transition table
(``models.TARGET_TRANSITIONS``; anything else is 409), re-derives the whistle's status from its
departments, and writes the timeline event and the audit record in the same transaction.
``now`` may be passed so that tests control the clock.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.appeals import deadlines
from shequ.appeals import selectors as appeal_selectors
from shequ.appeals import services as appeal_services
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import LEVEL_RANK, Department, Level, Node

from .errors import WhistleErrorCode
from .models import Urgency, Whistle, WhistleEvent, WhistleTarget, WhistleTimeLimit

T = WhistleTarget.Status


def due_times(*, whistled_at: dt.datetime, urgency: str,
              calendar: deadlines.Calendar | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(report on site due, reply due) of a whistle blown at ``whistled_at`` with ``urgency``.

    The report limit is in calendar minutes; the reply limit uses the appeals calendar (hours,
    calendar days or working days, Asia/Shanghai, holidays and 调休 from the admin).
    """
    limit = WhistleTimeLimit.for_urgency(urgency)
    calendar = calendar if calendar is not None else deadlines.calendar_from_db()
    report_due = whistled_at + dt.timedelta(minutes=limit.report_minutes)
    reply_due = deadlines.add(whistled_at, limit.reply_value, limit.reply_unit, calendar)
    return report_due, max(report_due, reply_due)


def derive_status(target_statuses: Iterable[str], closed: bool = False) -> str:
    """The whistle's status from its departments': open until all are on site, then all replied,
    all scored; closed only by the street's closing step."""
    statuses = set(target_statuses)
    if closed:
        return Whistle.Status.CLOSED
    if statuses and statuses <= {T.SCORED}:
        return Whistle.Status.SCORED
    if statuses and statuses <= {T.REPLIED, T.SCORED}:
        return Whistle.Status.REPLIED
    if statuses and statuses <= {T.ON_SITE, T.ACTING, T.REPLIED, T.SCORED}:
        return Whistle.Status.ON_SITE
    return Whistle.Status.OPEN


def _event(whistle: Whistle, *, actor, verb: str, at: dt.datetime, target: WhistleTarget | None = None,
           note: str = "", extra: dict | None = None) -> WhistleEvent:
    return WhistleEvent.objects.create(
        whistle=whistle, target=target, at=at, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system", verb=verb, note=note, extra=extra or {},
    )


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, extra={"field": field})
    return value


@transaction.atomic
def whistle_create(*, actor, place: Node, title: str, description: str, department_ids: Iterable[int],
                   urgency: str = Urgency.NORMAL, appeal_ids: Iterable[int] = (), address_text: str = "",
                   lng: float | None = None, lat: float | None = None, report_due_at: dt.datetime | None = None,
                   now: dt.datetime | None = None) -> Whistle:
    """Blow the whistle 吹哨: a street (or the district office for it) calls departments of its
    district to a problem at ``place`` (the street or a node under it).

    The report-on-site and reply due times come from the urgency's limits; ``report_due_at``
    overrides the first (not in the past, not after the reply due time).
    """
    scoping.ensure_can(actor, "whistle.create")
    now = now or timezone.now()
    title = _text(title, "title", _("请填写事项"))
    description = _text(description, "description", _("请填写情况说明"))
    if urgency not in Urgency.values:
        raise InvalidInput(_("紧急程度取值不正确"), extra={"field": "urgency", "urgency": urgency})
    if LEVEL_RANK.get(place.level, -1) < LEVEL_RANK[Level.STREET]:
        raise InvalidInput(_("地点须为街道或其下的社区、网格"), code=WhistleErrorCode.BAD_PLACE, extra={"field": "place"})
    scoping.ensure_nodes_in_scope(actor, [place])
    if (lng is None) != (lat is None) or (lng is not None and not (-180 <= lng <= 180 and -90 <= lat <= 90)):
        raise InvalidInput(_("经纬度不完整或超出范围"), extra={"field": "lng"})
    wanted = sorted({int(pk) for pk in department_ids})
    if not wanted:
        raise InvalidInput(_("请至少选择一个部门"), code=WhistleErrorCode.NO_DEPARTMENT, extra={"field": "departments"})
    departments = list(Department.objects.filter(pk__in=wanted, district_id=place.district_id))
    if len(departments) != len(wanted):
        raise InvalidInput(_("只能向本区的部门吹哨"), code=WhistleErrorCode.FOREIGN_DEPARTMENT,
                           extra={"field": "departments", "departments": wanted})
    appeal_ids = sorted({int(pk) for pk in appeal_ids})
    appeals = list(appeal_selectors.appeal_list(user=actor).filter(pk__in=appeal_ids)) if appeal_ids else []
    if len(appeals) != len(appeal_ids):
        raise NotInScope(_("关联的诉求不存在或不在您的辖区内"), extra={"field": "appeals"})
    report_due, reply_due = due_times(whistled_at=now, urgency=urgency)
    if report_due_at is not None:
        if report_due_at <= now or report_due_at > reply_due:
            raise InvalidInput(_("到场时限须晚于现在且不晚于回复时限"), code=WhistleErrorCode.BAD_DEADLINE,
                               extra={"field": "report_due_at", "reply_due_at": reply_due.isoformat()})
        report_due = report_due_at
    whistle = Whistle(title=title, description=description, place=place, address_text=(address_text or "").strip(),
                      lng=lng, lat=lat, urgency=urgency, whistled_at=now, whistled_by=actor,
                      report_due_at=report_due, reply_due_at=reply_due)
    whistle.copy_location(place)
    whistle.save()
    location = {f"{level}_id": pk for level, pk in whistle.ancestor_ids().items()}
    WhistleTarget.objects.bulk_create([WhistleTarget(whistle=whistle, department=d, **location)
                                       for d in departments])
    if appeals:
        whistle.appeals.set(appeals)
    names = [d.name for d in sorted(departments, key=lambda d: d.pk)]
    _event(whistle, actor=actor, verb="whistled", at=now, note="、".join(names),
           extra={"departments": wanted, "appeals": appeal_ids, "urgency": urgency})
    for appeal in appeals:  # the appeal's own timeline says who was whistled to it
        appeal_services.appeal_note(appeal, actor=actor, verb="whistled", at=now,
                                    note=f"{title}:{'、'.join(names)}", extra={"whistle": whistle.pk})
    audit_record(actor=actor, verb="whistle.created", target=whistle,
                 extra={"departments": wanted, "appeals": appeal_ids, "urgency": urgency,
                        "report_due_at": report_due.isoformat()})
    return whistle


def _locked(actor, target_id: int) -> tuple[Whistle, WhistleTarget]:
    """The department row (404 outside the actor's scope) and its whistle, both row-locked,
    the whistle first so that concurrent departments re-derive its status one at a time."""
    found = scoping.get_in_scope(WhistleTarget.objects.all(), actor, pk=target_id)
    whistle = Whistle.objects.select_for_update().get(pk=found.whistle_id)
    target = WhistleTarget.objects.select_for_update().select_related("department").get(pk=found.pk)
    return whistle, target


def _refresh(whistle: Whistle, now: dt.datetime) -> None:
    statuses = WhistleTarget.objects.filter(whistle=whistle).values_list("status", flat=True)
    status = derive_status(statuses, closed=whistle.closed_at is not None)
    if status != whistle.status:
        whistle.status = status
        whistle.save(update_fields=["status", "updated_at"])


def _step(*, actor, target_id: int, to: str, verb: str, capability: str, now: dt.datetime | None,
          changes: dict | None = None, note: str = "", extra: dict | None = None) -> WhistleTarget:
    scoping.ensure_can(actor, capability)
    now = now or timezone.now()
    whistle, target = _locked(actor, target_id)
    previous = target.transition_to(to)
    fields = ["status", "updated_at"]
    for name, value in (changes or {}).items():
        setattr(target, name, value(target, now) if callable(value) else value)
        fields.append(name)
    target.save(update_fields=fields)
    _refresh(whistle, now)
    _event(whistle, actor=actor, verb=verb, at=now, target=target, note=note,
           extra={"department": target.department.name, **(extra or {})})
    audit_record(actor=actor, verb=f"whistle.{verb}", target=target,
                 extra={"whistle": whistle.pk, "from": previous, "to": target.status, **(extra or {})})
    target.whistle = whistle
    return target


@transaction.atomic
def target_acknowledge(*, actor, target_id: int, now: dt.datetime | None = None) -> WhistleTarget:
    """The department signs for the whistle 签收."""
    return _step(actor=actor, target_id=target_id, to=T.ACKNOWLEDGED, verb="acknowledged", capability="whistle.act",
                 now=now, changes={"acknowledged_at": lambda t, at: at})


@transaction.atomic
def target_report_on_site(*, actor, target_id: int, people: str = "", arrived_at: dt.datetime | None = None,
                          now: dt.datetime | None = None) -> WhistleTarget:
    """The department reports on site 到场报到: when (now, or an earlier arrival time not before
    the acknowledgement) and, optionally, who came."""
    now = now or timezone.now()
    people = (people or "").strip()

    def arrival(target: WhistleTarget, at: dt.datetime) -> dt.datetime:
        if arrived_at is None:
            return at
        if arrived_at > at or (target.acknowledged_at and arrived_at < target.acknowledged_at):
            raise InvalidInput(_("到场时间须在签收之后、不晚于现在"), extra={"field": "arrived_at"})
        return arrived_at

    return _step(actor=actor, target_id=target_id, to=T.ON_SITE, verb="on_site", capability="whistle.act", now=now,
                 changes={"on_site_at": arrival, "on_site_people": people}, note=people,
                 extra={"arrived_at": (arrived_at or now).isoformat()})


@transaction.atomic
def target_act(*, actor, target_id: int, notes: str, now: dt.datetime | None = None) -> WhistleTarget:
    """The department records what it did 处置 (may be recorded more than once before replying)."""
    notes = _text(notes, "notes", _("请填写处置情况"))

    def appended(target: WhistleTarget, at: dt.datetime) -> str:
        line = f"[{at.astimezone(deadlines.SHANGHAI):%Y-%m-%d %H:%M}] {notes}"
        return f"{target.action_notes}\n{line}" if target.action_notes else line

    return _step(actor=actor, target_id=target_id, to=T.ACTING, verb="acted", capability="whistle.act", now=now,
                 changes={"action_notes": appended, "acted_at": lambda t, at: t.acted_at or at}, note=notes)


@transaction.atomic
def target_reply(*, actor, target_id: int, reply: str, now: dt.datetime | None = None) -> WhistleTarget:
    """The department replies to the street with the result 回复."""
    reply = _text(reply, "reply", _("请填写办理结果"))
    return _step(actor=actor, target_id=target_id, to=T.REPLIED, verb="replied", capability="whistle.act", now=now,
                 changes={"reply": reply, "replied_at": lambda t, at: at}, note=reply)


def _marks(timeliness, attitude, result) -> dict[str, int]:
    marks = {"score_timeliness": timeliness, "score_attitude": attitude, "score_result": result}
    for name, value in marks.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= WhistleTarget.SCORE_MAX:
            raise InvalidInput(_("每项评分须为 1 至 5 的整数"), code=WhistleErrorCode.BAD_SCORE,
                               extra={"field": name.removeprefix("score_"), "value": value})
    return marks


@transaction.atomic
def target_score(*, actor, target_id: int, timeliness: int, attitude: int, result: int, comment: str,
                 reason: str = "", now: dt.datetime | None = None) -> WhistleTarget:
    """The street scores a department that has replied 打分: timeliness, attitude and result,
    1–5 each (total on 0–100), with a comment.

    Changing a score needs a reason. After the whistle is closed only the district office may
    change it (409 for anyone else); every change keeps the old marks in the timeline and audit.
    """
    scoping.ensure_can(actor, "whistle.score")
    marks = _marks(timeliness, attitude, result)
    comment = _text(comment, "comment", _("请填写评价意见"))
    reason = (reason or "").strip()
    now = now or timezone.now()
    whistle, target = _locked(actor, target_id)
    if whistle.closed_at is not None and not (scoping.is_global(actor) or actor.role == Role.DISTRICT_OFFICE):
        raise Conflict(_("吹哨已办结,评分只能由区社区办说明理由后修改"), code=WhistleErrorCode.SCORE_LOCKED)
    revising = target.status == T.SCORED
    if revising and not reason:
        raise InvalidInput(_("修改评分须填写理由"), code=WhistleErrorCode.REASON_REQUIRED, extra={"field": "reason"})
    old = {name: getattr(target, name) for name in (*WhistleTarget.SCORE_FIELDS, "score")}
    previous = target.transition_to(T.SCORED)
    for name, value in marks.items():
        setattr(target, name, value)
    target.score = WhistleTarget.total(marks)
    target.score_comment, target.scored_at, target.scored_by = comment, now, actor
    target.save(update_fields=["status", *WhistleTarget.SCORE_FIELDS, "score", "score_comment", "scored_at",
                               "scored_by", "updated_at"])
    _refresh(whistle, now)
    verb = "rescored" if revising else "scored"
    extra = {"department": target.department.name, "score": str(target.score), **marks}
    if revising:
        extra["old"] = {k: str(v) if isinstance(v, Decimal) else v for k, v in old.items()}
        extra["reason"] = reason
    _event(whistle, actor=actor, verb=verb, at=now, target=target, note=reason or comment, extra=extra)
    audit_record(actor=actor, verb=f"whistle.{verb}", target=target,
                 extra={"whistle": whistle.pk, "from": previous, **{k: v for k, v in extra.items() if k != "department"}})
    target.whistle = whistle
    return target


@transaction.atomic
def whistle_close(*, actor, whistle_id: int, note: str = "", now: dt.datetime | None = None) -> Whistle:
    """The street closes the whistle 办结 once every department is scored; scores are then locked
    (only the district office may still change one, with a reason)."""
    scoping.ensure_can(actor, "whistle.score")
    now = now or timezone.now()
    found = scoping.get_in_scope(Whistle.objects.all(), actor, pk=whistle_id)
    whistle = Whistle.objects.select_for_update().get(pk=found.pk)
    if whistle.status != Whistle.Status.SCORED:
        raise Conflict(_("各部门均已评分后才能办结"), code=WhistleErrorCode.NOT_ALL_SCORED, extra={"status": whistle.status})
    whistle.closed_at = now
    whistle.status = Whistle.Status.CLOSED
    whistle.save(update_fields=["closed_at", "status", "updated_at"])
    note = (note or "").strip()
    _event(whistle, actor=actor, verb="closed", at=now, note=note)
    audit_record(actor=actor, verb="whistle.closed", target=whistle, extra={"note": note} if note else None)
    return whistle
