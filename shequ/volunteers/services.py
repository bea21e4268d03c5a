"""Writes of volunteer service 志愿服务.

Each service owns its transaction, checks the actor's capability ("volunteers.manage" for staff,
"volunteers.self" for a resident acting for themselves) and scope (records are loaded through
``scoping.get_in_scope``, row-locked where they are read-then-written: 404 outside the area),
validates, saves only changed fields and writes the audit record in the same transaction.
``now`` may be passed so that tests control the clock.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.agency.services import home_of
from shequ.core.audit import audit_record
from shequ.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree_selectors
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as registry_selectors
from shequ.registry.models import Resident
from shequ.registry.services import apply_phone

from .errors import VolunteerErrorCode as E
from .models import Activity, CallOut, CallOutReply, SignUp, Skill, Volunteer

#: Allowed moves of an activity's status (the table the services follow).
ACTIVITY_TRANSITIONS = {
    Activity.Status.OPEN: {Activity.Status.CLOSED, Activity.Status.FINISHED, Activity.Status.CANCELLED},
    Activity.Status.CLOSED: {Activity.Status.OPEN, Activity.Status.FINISHED, Activity.Status.CANCELLED},
}
#: The longest service one sign-up may be credited with.
MAX_HOURS = Decimal(24)


def _is_resident(user) -> bool:
    return getattr(user, "role", None) == "resident" and not scoping.is_global(user)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, extra={"field": field})
    return value


def _skills(codes) -> list[Skill]:
    codes = [c for c in (codes or []) if c]
    skills = list(Skill.objects.filter(code__in=codes, active=True))
    unknown = sorted(set(codes) - {s.code for s in skills})
    if unknown:
        raise InvalidInput(_("未知的技能:%(codes)s") % {"codes": ", ".join(unknown)}, extra={"field": "skills"})
    return skills


def _place(actor, node_id: int | None, field: str, levels=(Level.COMMUNITY, Level.GRID)):
    if not node_id:
        raise InvalidInput(_("请选择所属社区或网格"), code=E.BAD_PLACE, extra={"field": field})
    node = tree_selectors.node_get(user=actor, pk=node_id)  # 404 outside scope
    if node.level not in levels:
        raise InvalidInput(_("所属单位须为社区/村或网格"), code=E.BAD_PLACE, extra={"field": field})
    return node


def _create_volunteer(volunteer: Volunteer, skills: list[Skill]) -> Volunteer:
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:
        raise Conflict(_("该人员已登记为志愿者"), code=E.ALREADY_REGISTERED) from None
    volunteer.skills.set(skills)
    return volunteer


def _check_not_registered(resident: Resident) -> None:
    if Volunteer.objects.filter(resident=resident).exists():
        raise Conflict(_("该居民已登记为志愿者"), code=E.ALREADY_REGISTERED, extra={"field": "resident"})


@transaction.atomic
def volunteer_register(*, actor, resident_id: int | None = None, name: str = "", phone: str = "",
                       node_id: int | None = None, skills=(), emergency_ready: bool = True, note: str = "",
                       now: dt.datetime | None = None) -> Volunteer:
    """Register a volunteer 志愿者注册. A resident is linked (their personal data stays in the registry)
    and located where they live; anyone else gives a name, a phone (encrypted, looked up by its keyed
    hash) and the community or grid they serve in."""
    scoping.ensure_can(actor, "volunteers.manage")
    now = now or timezone.now()
    chosen = _skills(skills)
    volunteer = Volunteer(registered_at=now, registered_by=actor, emergency_ready=bool(emergency_ready),
                          note=(note or "").strip()[:200])
    if resident_id:
        resident = registry_selectors.resident_get(user=actor, pk=resident_id)  # 404 outside scope
        if resident.status != Resident.Status.ACTIVE:
            raise InvalidInput(_("该居民不在册"), code=E.NOT_ACTIVE, extra={"field": "resident"})
        _check_not_registered(resident)
        place = home_of(resident)
        if not place.community_id:
            raise InvalidInput(_("该居民未落到社区"), code=E.BAD_PLACE, extra={"field": "resident"})
        volunteer.resident = resident
        volunteer.copy_location(place)
    else:
        volunteer.name = _text(name, "name", _("非本社区登记居民须填写姓名"))[:50]
        apply_phone(volunteer, _text(phone, "phone", _("非本社区登记居民须填写联系电话")))
        if Volunteer.objects.filter(resident__isnull=True, phone_hash=volunteer.phone_hash).exists():
            raise Conflict(_("该电话已登记为志愿者"), code=E.ALREADY_REGISTERED, extra={"field": "phone"})
        volunteer.copy_location(_place(actor, node_id, "node"))
    _create_volunteer(volunteer, chosen)
    audit_record(actor=actor, verb="volunteer.registered", target=volunteer,
                 extra={"resident": resident_id, "skills": [s.code for s in chosen]})
    return volunteer


@transaction.atomic
def volunteer_self_register(*, actor, skills=(), now: dt.datetime | None = None) -> Volunteer:
    """A signed-in resident registers themselves (from the resident pages)."""
    scoping.ensure_can(actor, "volunteers.self")
    resident = getattr(actor, "resident", None)
    if resident is None or resident.status != Resident.Status.ACTIVE or not resident.community_id:
        raise InvalidInput(_("您的账号尚未关联到登记的居民,请联系社区"), code=E.NOT_ACTIVE)
    _check_not_registered(resident)
    chosen = _skills(skills)
    volunteer = Volunteer(resident=resident, registered_at=now or timezone.now(), registered_by=actor)
    volunteer.copy_location(home_of(resident))
    _create_volunteer(volunteer, chosen)
    audit_record(actor=actor, verb="volunteer.registered", target=volunteer,
                 extra={"resident": resident.pk, "self": True, "skills": [s.code for s in chosen]})
    return volunteer


@transaction.atomic
def volunteer_update(*, actor, volunteer_id: int, skills=None, status: str | None = None,
                     emergency_ready: bool | None = None, note: str | None = None) -> Volunteer:
    scoping.ensure_can(actor, "volunteers.manage")
    volunteer = scoping.get_in_scope(Volunteer.objects.select_for_update(), actor, pk=volunteer_id)
    changed = []
    if status is not None and status != volunteer.status:
        if status not in Volunteer.Status.values:
            raise InvalidInput(_("状态不正确"), extra={"field": "status"})
        volunteer.status = status
        changed.append("status")
    if emergency_ready is not None and bool(emergency_ready) != volunteer.emergency_ready:
        volunteer.emergency_ready = bool(emergency_ready)
        changed.append("emergency_ready")
    if note is not None and note.strip() != volunteer.note:
        volunteer.note = note.strip()[:200]
        changed.append("note")
    if changed:
        volunteer.save(update_fields=[*changed, "updated_at"])
    extra = {"fields": changed}
    if skills is not None:
        chosen = _skills(skills)
        volunteer.skills.set(chosen)
        extra["skills"] = [s.code for s in chosen]
    audit_record(actor=actor, verb="volunteer.updated", target=volunteer, extra=extra)
    return volunteer


# --- activities -------------------------------------------------------------------------------

def _aware(value: dt.datetime | None, field: str) -> dt.datetime:
    if value is None or timezone.is_naive(value):
        raise InvalidInput(_("请填写带时区的时间"), code=E.BAD_TIME, extra={"field": field})
    return value


def _hours(value, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("服务时长须为数字"), code=E.BAD_HOURS, extra={"field": field}) from None
    if hours < Decimal("0.5") or hours > MAX_HOURS:
        raise InvalidInput(_("服务时长须在 0.5 至 24 小时之间"), code=E.BAD_HOURS, extra={"field": field})
    return hours


@transaction.atomic
def activity_create(*, actor, title: str, node_id: int, starts_at: dt.datetime, ends_at: dt.datetime,
                    capacity: int, hours=None, kind: str = Activity.Kind.SERVICE, place: str = "",
                    description: str = "", skills=()) -> Activity:
    """Publish an activity of a community or grid, with its sign-up limit and the hours it is worth
    (by default its length)."""
    scoping.ensure_can(actor, "volunteers.manage")
    title = _text(title, "title", _("请填写活动名称"))[:100]
    if kind not in Activity.Kind.values:
        raise InvalidInput(_("活动类型不正确"), extra={"field": "kind"})
    node = _place(actor, node_id, "node_id")
    starts_at, ends_at = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput(_("结束时间须晚于开始时间"), code=E.BAD_TIME, extra={"field": "ends_at"})
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if capacity < 1:
        raise InvalidInput(_("人数上限须至少为 1"), extra={"field": "capacity"})
    if hours in (None, ""):
        hours = min(MAX_HOURS, Decimal((ends_at - starts_at).total_seconds() / 3600).quantize(Decimal("0.1")))
    activity = Activity(title=title, kind=kind, node=node, starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                        hours=_hours(hours), place=(place or "").strip()[:150], description=(description or "").strip(),
                        created_by=actor)
    activity.copy_location(node)
    activity.save()
    activity.skills.set(_skills(skills))
    audit_record(actor=actor, verb="volunteer.activity_created", target=activity,
                 extra={"capacity": capacity, "hours": str(activity.hours), "kind": kind})
    return activity


@transaction.atomic
def activity_set_status(*, actor, activity_id: int, status: str) -> Activity:
    """Close sign-up 截止报名, reopen it, finish 结束 or cancel 取消 an activity."""
    scoping.ensure_can(actor, "volunteers.manage")
    activity = scoping.get_in_scope(Activity.objects.select_for_update(), actor, pk=activity_id)
    if status not in ACTIVITY_TRANSITIONS.get(activity.status, set()):
        raise InvalidTransition(_("活动当前状态不允许此操作"), extra={"from": activity.status, "to": status})
    previous, activity.status = activity.status, status
    activity.save(update_fields=["status", "updated_at"])
    if status == Activity.Status.CANCELLED:
        SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED).update(status=SignUp.Status.CANCELLED)
    audit_record(actor=actor, verb="volunteer.activity_status", target=activity, extra={"from": previous, "to": status})
    return activity


# --- sign-up, check-in, hours -------------------------------------------------------------------

def _own_volunteer(actor) -> Volunteer:
    volunteer = Volunteer.objects.filter(resident_id=getattr(actor, "resident_id", None) or 0).first()
    if volunteer is None:
        raise InvalidInput(_("请先注册成为志愿者"), code=E.NOT_ACTIVE)
    return volunteer


@transaction.atomic
def signup_create(*, actor, activity_id: int, volunteer_id: int | None = None,
                  now: dt.datetime | None = None) -> SignUp:
    """Sign a volunteer up 报名. Staff sign up a volunteer of their area; a resident signs up
    themselves, for an activity of their own community. The activity row is locked while its
    places are counted, so two last-place sign-ups cannot both get in."""
    now = now or timezone.now()
    if _is_resident(actor):
        scoping.ensure_can(actor, "volunteers.self")
        volunteer = _own_volunteer(actor)
        activity = Activity.objects.select_for_update().filter(pk=activity_id, community_id=volunteer.community_id).first()
        if activity is None:
            raise NotInScope(_("记录不存在或不在您的辖区内"))
    else:
        scoping.ensure_can(actor, "volunteers.manage")
        activity = scoping.get_in_scope(Activity.objects.select_for_update(), actor, pk=activity_id)
        volunteer = scoping.get_in_scope(Volunteer.objects.all(), actor, pk=volunteer_id or 0)
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise InvalidInput(_("该志愿者不在册"), code=E.NOT_ACTIVE, extra={"field": "volunteer"})
    if activity.status != Activity.Status.OPEN or activity.ends_at <= now:
        raise Conflict(_("该活动不在报名中"), code=E.NOT_OPEN, extra={"status": activity.status})
    existing = SignUp.objects.select_for_update().filter(activity=activity, volunteer=volunteer).first()
    if existing is not None and existing.status != SignUp.Status.CANCELLED:
        raise Conflict(_("已报名该活动"), code=E.ALREADY_SIGNED)
    taken = SignUp.objects.filter(activity=activity, status__in=SignUp.HOLDING).count()
    if taken >= activity.capacity:
        raise Conflict(_("报名人数已满"), code=E.FULL, extra={"capacity": activity.capacity})
    if existing is not None:
        existing.status, existing.signed_at = SignUp.Status.SIGNED, now
        existing.save(update_fields=["status", "signed_at", "updated_at"])
        signup = existing
    else:
        try:
            with transaction.atomic():
                signup = SignUp.objects.create(activity=activity, volunteer=volunteer, signed_at=now)
        except IntegrityError:
            raise Conflict(_("已报名该活动"), code=E.ALREADY_SIGNED) from None
    audit_record(actor=actor, verb="volunteer.signed_up", target=activity,
                 extra={"volunteer": volunteer.pk, "signup": signup.pk, "places_left": activity.capacity - taken - 1})
    return signup


def _signup_for_update(actor, signup_id: int) -> SignUp:
    signup = SignUp.objects.select_for_update().select_related("activity", "volunteer").filter(pk=signup_id).first()
    if signup is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    if _is_resident(actor):
        if signup.volunteer.resident_id != getattr(actor, "resident_id", None):
            raise NotInScope(_("记录不存在或不在您的辖区内"))
    elif not scoping.obj_in_scope(actor, signup.activity):
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return signup


def _move(signup: SignUp, frm: tuple, to: str) -> str:
    if signup.status not in frm:
        raise InvalidTransition(_("报名当前状态不允许此操作"), code=E.INVALID_TRANSITION,
                                extra={"from": signup.status, "to": to})
    previous, signup.status = signup.status, to
    return previous


@transaction.atomic
def signup_cancel(*, actor, signup_id: int) -> SignUp:
    """Withdraw a sign-up (the volunteer themselves, or staff): the place is freed."""
    scoping.ensure_can(actor, "volunteers.self" if _is_resident(actor) else "volunteers.manage")
    signup = _signup_for_update(actor, signup_id)
    previous = _move(signup, (SignUp.Status.SIGNED,), SignUp.Status.CANCELLED)
    signup.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="volunteer.signup_cancelled", target=signup.activity,
                 extra={"signup": signup.pk, "volunteer": signup.volunteer_id, "from": previous})
    return signup


@transaction.atomic
def signup_check_in(*, actor, signup_id: int, now: dt.datetime | None = None) -> SignUp:
    """Check a volunteer in 签到 at the activity (by the organizer)."""
    scoping.ensure_can(actor, "volunteers.manage")
    now = now or timezone.now()
    signup = _signup_for_update(actor, signup_id)
    if signup.activity.status == Activity.Status.CANCELLED:
        raise Conflict(_("活动已取消"), code=E.NOT_OPEN)
    _move(signup, (SignUp.Status.SIGNED, SignUp.Status.ABSENT), SignUp.Status.CHECKED_IN)
    signup.checked_in_at = now
    signup.save(update_fields=["status", "checked_in_at", "updated_at"])
    audit_record(actor=actor, verb="volunteer.checked_in", target=signup.activity,
                 extra={"signup": signup.pk, "volunteer": signup.volunteer_id})
    return signup


@transaction.atomic
def signup_mark_absent(*, actor, signup_id: int) -> SignUp:
    scoping.ensure_can(actor, "volunteers.manage")
    signup = _signup_for_update(actor, signup_id)
    _move(signup, (SignUp.Status.SIGNED,), SignUp.Status.ABSENT)
    signup.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="volunteer.absent", target=signup.activity,
                 extra={"signup": signup.pk, "volunteer": signup.volunteer_id})
    return signup


@transaction.atomic
def signup_confirm_hours(*, actor, signup_id: int, hours=None, now: dt.datetime | None = None) -> SignUp:
    """Confirm the service hours 确认服务时长 of a checked-in volunteer (by default the activity's
    hours). Only confirmed hours count in the totals, the leaderboard and the indicators."""
    scoping.ensure_can(actor, "volunteers.manage")
    now = now or timezone.now()
    signup = _signup_for_update(actor, signup_id)
    value = _hours(signup.activity.hours if hours in (None, "") else hours)
    _move(signup, (SignUp.Status.CHECKED_IN,), SignUp.Status.CONFIRMED)
    signup.hours, signup.confirmed_at, signup.confirmed_by = value, now, actor
    signup.save(update_fields=["status", "hours", "confirmed_at", "confirmed_by", "updated_at"])
    audit_record(actor=actor, verb="volunteer.hours_confirmed", target=signup.activity,
                 extra={"signup": signup.pk, "volunteer": signup.volunteer_id, "hours": str(value)})
    return signup


# --- call-outs by grid --------------------------------------------------------------------------

@transaction.atomic
def callout_create(*, actor, grid_id: int, kind: str, message: str, needed: int = 1,
                   activity_id: int | None = None, now: dt.datetime | None = None) -> CallOut:
    """Call on the volunteers of a grid 按网格召集 for a door-to-door task or an emergency: every
    active volunteer of the grid (for an emergency, those ready for emergencies) gets a reply row,
    pending until they answer."""
    scoping.ensure_can(actor, "volunteers.manage")
    now = now or timezone.now()
    if kind not in CallOut.Kind.values:
        raise InvalidInput(_("召集类型不正确"), extra={"field": "kind"})
    message = _text(message, "message", _("请填写召集内容"))
    grid = _place(actor, grid_id, "grid_id", levels=(Level.GRID,))
    try:
        needed = max(1, int(needed))
    except (TypeError, ValueError):
        raise InvalidInput(_("需要人数须为正整数"), extra={"field": "needed"}) from None
    activity = scoping.get_in_scope(Activity.objects.all(), actor, pk=activity_id) if activity_id else None
    called = Volunteer.objects.filter(grid_id=grid.pk, status=Volunteer.Status.ACTIVE)
    if kind == CallOut.Kind.EMERGENCY:
        called = called.filter(emergency_ready=True)
    ids = list(called.values_list("pk", flat=True))
    if not ids:
        raise InvalidInput(_("该网格暂无可召集的志愿者"), code=E.NO_VOLUNTEERS, extra={"field": "grid_id"})
    callout = CallOut(kind=kind, message=message, node=grid, needed=needed, called_at=now, called_by=actor,
                      activity=activity)
    callout.copy_location(grid)
    callout.save()
    CallOutReply.objects.bulk_create([CallOutReply(callout=callout, volunteer_id=pk) for pk in ids])
    audit_record(actor=actor, verb="volunteer.callout_created", target=callout,
                 extra={"kind": kind, "grid": grid.pk, "called": len(ids), "needed": needed})
    return callout


@transaction.atomic
def callout_answer(*, actor, callout_id: int, answer: str, volunteer_id: int | None = None,
                   now: dt.datetime | None = None) -> CallOutReply:
    """Record a volunteer's answer to a call-out: the volunteer themselves (resident pages) or staff
    on their behalf (a phone call). Only volunteers who were called can answer."""
    now = now or timezone.now()
    if answer not in (CallOutReply.Answer.YES, CallOutReply.Answer.NO):
        raise InvalidInput(_("请选择响应或无法参加"), extra={"field": "answer"})
    if _is_resident(actor):
        scoping.ensure_can(actor, "volunteers.self")
        volunteer = _own_volunteer(actor)
        callout = CallOut.objects.filter(pk=callout_id, replies__volunteer=volunteer).first()
        if callout is None:
            raise NotInScope(_("记录不存在或不在您的辖区内"))
    else:
        scoping.ensure_can(actor, "volunteers.manage")
        callout = scoping.get_in_scope(CallOut.objects.all(), actor, pk=callout_id)
        volunteer = scoping.get_in_scope(Volunteer.objects.all(), actor, pk=volunteer_id or 0)
    if callout.status != CallOut.Status.OPEN:
        raise Conflict(_("召集已结束"), code=E.CALLOUT_CLOSED)
    reply = CallOutReply.objects.select_for_update().filter(callout=callout, volunteer=volunteer).first()
    if reply is None:
        raise InvalidInput(_("该志愿者不在本次召集范围内"), code=E.NOT_CALLED, extra={"field": "volunteer_id"})
    reply.answer, reply.answered_at, reply.recorded_by = answer, now, actor
    reply.save(update_fields=["answer", "answered_at", "recorded_by", "updated_at"])
    audit_record(actor=actor, verb="volunteer.callout_answered", target=callout,
                 extra={"volunteer": volunteer.pk, "answer": answer})
    return reply


@transaction.atomic
def callout_close(*, actor, callout_id: int, now: dt.datetime | None = None) -> CallOut:
    scoping.ensure_can(actor, "volunteers.manage")
    callout = scoping.get_in_scope(CallOut.objects.select_for_update(), actor, pk=callout_id)
    if callout.status != CallOut.Status.OPEN:
        raise InvalidTransition(_("召集已结束"), code=E.CALLOUT_CLOSED)
    callout.status, callout.closed_at = CallOut.Status.CLOSED, now or timezone.now()
    callout.save(update_fields=["status", "closed_at", "updated_at"])
    answered = callout.replies.filter(answer=CallOutReply.Answer.YES).count()
    audit_record(actor=actor, verb="volunteer.callout_closed", target=callout, extra={"answered_yes": answered})
    return callout


def ensure_not_resident(user) -> None:
    """Staff pages and API: 403 for a resident account."""
    if _is_resident(user):
        raise NotAllowed(_("您的角色无权执行此操作"))
