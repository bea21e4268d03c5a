"""Writes on party building. Each service checks ``party.manage`` and the scope of every record it
touches (``jurisdiction.scoping``), validates, saves in one transaction and writes the audit record.
``today`` may be passed so that tests control the date.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.appeals.deadlines import SHANGHAI
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotInScope
from shequ.core.validation import full_clean
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import LEVEL_RANK, Level, Node
from shequ.registry.models import Establishment, Household, Resident

from .errors import PartyErrorCode
from .models import (RESOLUTION_TRANSITIONS, CentralHousehold, DualRegistration, ExpectedRegistrant, JointMeeting,
                     MeetingAttendance, MeetingTopic, PartyOrganization, Resolution, ResolutionFollowUp, ServiceRecord)
from .selectors import PARTY_MEMBER_TAG


def today_local() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def required_text(value: str, field: str, message: str, max_length: int | None = None) -> str:
    """``value`` stripped; InvalidInput naming ``field`` when empty or too long."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, extra={"field": field})
    if max_length and len(value) > max_length:
        raise InvalidInput(_("%(field)s 过长(最多 %(n)s 字)") % {"field": field, "n": max_length}, extra={"field": field})
    return value


def _lock(qs, user, pk: int, via: str = ""):
    """One row in the user's scope, locked for update (404 when missing or outside)."""
    try:
        return scoping.scope_queryset(qs, user, via=via).select_for_update(of=("self",)).get(pk=pk)
    except qs.model.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


def _units(actor, unit_ids: Iterable[int], *, within: Node | None = None, field: str = "units") -> list[Establishment]:
    """The actual units ``unit_ids``, all in the actor's scope (else 404) and, with ``within``, under it."""
    wanted = sorted({int(pk) for pk in unit_ids})
    if not wanted:
        return []
    units = list(scoping.scope_queryset(Establishment.objects.filter(pk__in=wanted), actor))
    if len(units) != len(wanted):
        raise NotInScope(_("单位不存在或不在您的辖区内"), extra={"field": field})
    if within is not None:
        (key, value), = within.scope_filter().items()
        outside = [u.pk for u in units if getattr(u, key) != value]
        if outside:
            raise InvalidInput(_("单位须位于%(place)s内") % {"place": within.name}, code=PartyErrorCode.FOREIGN_UNIT,
                               extra={"field": field, "units": outside})
    return units


def _party_member(actor, resident: Resident | None, field: str) -> Resident | None:
    if resident is None:
        return None
    if not scoping.obj_in_scope(actor, resident):
        raise NotInScope(_("居民不存在或不在您的辖区内"), extra={"field": field})
    if not resident.tags.filter(code=PARTY_MEMBER_TAG).exists():
        raise InvalidInput(_("%(name)s 在居民信息中未标注为党员") % {"name": resident.name},
                           code=PartyErrorCode.NOT_PARTY_MEMBER, extra={"field": field})
    return resident


def _community(actor, node: Node, field: str = "community") -> Node:
    if node is None or node.level != Level.COMMUNITY:
        raise InvalidInput(_("请选择社区/村"), code=PartyErrorCode.BAD_PLACE, extra={"field": field})
    scoping.ensure_nodes_in_scope(actor, [node])
    return node


# --- organizations -------------------------------------------------------------------------------

ORGANIZATION_EDITABLE = ("name", "kind", "parent", "unit_ids", "secretary", "member_count", "founded_on")


def _check_parent(actor, organization: PartyOrganization, parent: PartyOrganization | None) -> None:
    if parent is None:
        return
    if not scoping.obj_in_scope(actor, parent) and not scoping.node_in_scope(actor, parent.node):
        raise NotInScope(_("上级党组织不存在或不在您的辖区内"), extra={"field": "parent"})
    seen, current = set(), parent
    while current is not None:
        if organization.pk and current.pk == organization.pk or current.pk in seen:
            raise InvalidInput(_("上级党组织不能是本组织或其下级"), code=PartyErrorCode.BAD_PARENT, extra={"field": "parent"})
        seen.add(current.pk)
        current = current.parent


def _unit_community(actor, unit_ids: Iterable[int]) -> Node:
    """The community of the units an organization without a node covers (they must share one)."""
    units = _units(actor, unit_ids)
    communities = {u.community_id for u in units}
    if len(communities) != 1 or None in communities:
        raise InvalidInput(_("未指定所在辖区时,覆盖单位须在同一社区"), code=PartyErrorCode.BAD_PLACE, extra={"field": "node"})
    return Node.objects.get(pk=communities.pop())


@transaction.atomic
def organization_create(*, actor, name: str, kind: str, node: Node | None, parent: PartyOrganization | None = None,
                        unit_ids: Iterable[int] = (), secretary: Resident | None = None, member_count: int = 0,
                        founded_on: dt.date | None = None) -> PartyOrganization:
    """Set up a party organization at ``node`` (a street, community, grid or building), covering ``unit_ids``
    (actual units under ``node``: one for a unit's own branch, several for a joint branch). Without a node,
    an organization of units sits at their community."""
    scoping.ensure_can(actor, "party.manage")
    if node is None and unit_ids:
        node = _unit_community(actor, unit_ids)
    if node is None or LEVEL_RANK.get(node.level, -1) < LEVEL_RANK[Level.STREET] or node.level == Level.UNIT:
        raise InvalidInput(_("所在辖区须为街道、社区、网格或楼栋"), code=PartyErrorCode.BAD_PLACE, extra={"field": "node"})
    scoping.ensure_nodes_in_scope(actor, [node])
    if kind not in PartyOrganization.Kind.values:
        raise InvalidInput(_("组织类型取值不正确"), extra={"field": "kind"})
    units = _units(actor, unit_ids, within=node)
    if kind == PartyOrganization.Kind.JOINT_BRANCH and len(units) < 2:
        raise InvalidInput(_("联合党支部须覆盖至少两个单位"), extra={"field": "units"})
    org = PartyOrganization(name=required_text(name, "name", _("请填写组织名称"), 150), kind=kind, node=node,
                            secretary=_party_member(actor, secretary, "secretary"), member_count=member_count or 0,
                            founded_on=founded_on)
    _check_parent(actor, org, parent)
    org.parent = parent
    org.copy_location(node)
    full_clean(org)
    if PartyOrganization.objects.filter(node=node, name=org.name).exists():
        raise Conflict(_("该辖区已有同名党组织"), code=PartyErrorCode.DUPLICATE, extra={"field": "name"})
    org.save()
    org.units.set(units)
    audit_record(actor=actor, verb="party_org.created", target=org, extra={"units": [u.pk for u in units]})
    return org


@transaction.atomic
def organization_update(*, actor, organization_id: int, **changes) -> PartyOrganization:
    """Change an organization's name, type, superior, covered units, secretary, member count or founding date."""
    unknown = set(changes) - set(ORGANIZATION_EDITABLE)
    if unknown:
        raise InvalidInput(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))}, extra={"field": sorted(unknown)[0]})
    scoping.ensure_can(actor, "party.manage")
    org = _lock(PartyOrganization.objects.select_related("node"), actor, organization_id)
    changed: dict = {}
    if "name" in changes:
        org.name = required_text(changes["name"], "name", _("请填写组织名称"), 150)
        if PartyOrganization.objects.filter(node=org.node, name=org.name).exclude(pk=org.pk).exists():
            raise Conflict(_("该辖区已有同名党组织"), code=PartyErrorCode.DUPLICATE, extra={"field": "name"})
    if "kind" in changes:
        if changes["kind"] not in PartyOrganization.Kind.values:
            raise InvalidInput(_("组织类型取值不正确"), extra={"field": "kind"})
        org.kind = changes["kind"]
    if "parent" in changes:
        _check_parent(actor, org, changes["parent"])
        org.parent = changes["parent"]
    if "secretary" in changes:
        org.secretary = _party_member(actor, changes["secretary"], "secretary")
    for field in ("member_count", "founded_on"):
        if field in changes:
            setattr(org, field, changes[field] or (0 if field == "member_count" else None))
    units = None
    if "unit_ids" in changes:
        units = _units(actor, changes["unit_ids"], within=org.node)
        before = set(org.units.values_list("pk", flat=True))
        changed["units"] = {"before": sorted(before), "after": sorted(u.pk for u in units)}
    if org.kind == PartyOrganization.Kind.JOINT_BRANCH and len(units if units is not None else org.units.all()) < 2:
        raise InvalidInput(_("联合党支部须覆盖至少两个单位"), extra={"field": "units"})
    full_clean(org)
    fields = [f for f in ("name", "kind", "parent", "secretary", "member_count", "founded_on") if f in changes]
    org.save(update_fields=[*fields, "updated_at"])
    if units is not None:
        org.units.set(units)
    changed.update({f: str(getattr(org, f)) for f in fields})
    audit_record(actor=actor, verb="party_org.updated", target=org, extra=changed)
    return org


@transaction.atomic
def organization_dissolve(*, actor, organization_id: int, on: dt.date, reason: str) -> PartyOrganization:
    """Dissolve (撤销) an organization: its units count as uncovered from then on; the record stays."""
    scoping.ensure_can(actor, "party.manage")
    org = _lock(PartyOrganization.objects.all(), actor, organization_id)
    if org.dissolved_on is not None:
        raise Conflict(_("该党组织已撤销"), code=PartyErrorCode.INVALID_TRANSITION)
    if org.children.filter(dissolved_on__isnull=True).exists():
        raise Conflict(_("该党组织仍有下级党组织,请先调整下级组织"), extra={"field": "parent"})
    org.dissolved_on = on
    org.save(update_fields=["dissolved_on", "updated_at"])
    audit_record(actor=actor, verb="party_org.dissolved", target=org,
                 extra={"on": on.isoformat(), "reason": required_text(reason, "reason", _("请填写撤销原因"))})
    return org


# --- joint meetings ------------------------------------------------------------------------------

@transaction.atomic
def meeting_schedule(*, actor, community: Node, title: str, scheduled_on: dt.date, place: str = "",
                     convener: PartyOrganization | None = None, unit_ids: Iterable[int] = (),
                     topics: Iterable[str] = ()) -> JointMeeting:
    """Schedule a joint meeting of ``community`` with the units invited (units of the community's street)
    and its topics."""
    scoping.ensure_can(actor, "party.manage")
    _community(actor, community)
    street = Node.objects.get(pk=community.street_id) if community.street_id else community
    units = _units(actor, unit_ids, within=street)
    if convener is not None and not scoping.obj_in_scope(actor, convener):
        raise NotInScope(_("召集党组织不存在或不在您的辖区内"), extra={"field": "convener"})
    meeting = JointMeeting(community=community, title=required_text(title, "title", _("请填写会议名称"), 200),
                           scheduled_on=scheduled_on, place=(place or "").strip(), convener=convener, created_by=actor)
    meeting.copy_location(community)
    full_clean(meeting)
    meeting.save()
    MeetingAttendance.objects.bulk_create([MeetingAttendance(meeting=meeting, unit=u) for u in units])
    titles = [t.strip() for t in topics if t and t.strip()]
    MeetingTopic.objects.bulk_create([MeetingTopic(meeting=meeting, title=t[:200]) for t in titles])
    audit_record(actor=actor, verb="joint_meeting.scheduled", target=meeting,
                 extra={"units": [u.pk for u in units], "topics": len(titles)})
    return meeting


@transaction.atomic
def meeting_invite(*, actor, meeting_id: int, unit_ids: Iterable[int]) -> JointMeeting:
    """Add units to a scheduled meeting's attendees."""
    scoping.ensure_can(actor, "party.manage")
    meeting = _lock(JointMeeting.objects.all(), actor, meeting_id)
    if meeting.status != JointMeeting.Status.SCHEDULED:
        raise Conflict(_("只能为尚未召开的会议邀请单位"), code=PartyErrorCode.INVALID_TRANSITION)
    units = _units(actor, unit_ids, within=Node.objects.get(pk=meeting.street_id))
    existing = set(meeting.attendance.values_list("unit_id", flat=True))
    MeetingAttendance.objects.bulk_create([MeetingAttendance(meeting=meeting, unit=u) for u in units if u.pk not in existing])
    audit_record(actor=actor, verb="joint_meeting.invited", target=meeting, extra={"units": [u.pk for u in units]})
    return meeting


@transaction.atomic
def meeting_hold(*, actor, meeting_id: int, held_on: dt.date, minutes: str, present_unit_ids: Iterable[int] | None = None,
                 today: dt.date | None = None) -> JointMeeting:
    """Record that a scheduled meeting took place: date (not in the future), minutes, which invited units came."""
    scoping.ensure_can(actor, "party.manage")
    meeting = _lock(JointMeeting.objects.all(), actor, meeting_id)
    if held_on > (today or today_local()):
        raise InvalidInput(_("召开日期不能晚于今天"), extra={"field": "held_on"})
    meeting.transition_to(JointMeeting.Status.HELD)
    meeting.held_on = held_on
    meeting.minutes = required_text(minutes, "minutes", _("请填写会议纪要"))
    meeting.save(update_fields=["status", "held_on", "minutes", "updated_at"])
    if present_unit_ids is not None:
        present = {int(pk) for pk in present_unit_ids}
        invited = set(meeting.attendance.values_list("unit_id", flat=True))
        if present - invited:
            raise InvalidInput(_("到会单位须是受邀单位"), extra={"field": "present", "units": sorted(present - invited)})
        meeting.attendance.filter(unit_id__in=present).update(present=True)
        meeting.attendance.exclude(unit_id__in=present).update(present=False)
    audit_record(actor=actor, verb="joint_meeting.held", target=meeting, extra={"held_on": held_on.isoformat()})
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting_id: int, reason: str) -> JointMeeting:
    scoping.ensure_can(actor, "party.manage")
    meeting = _lock(JointMeeting.objects.all(), actor, meeting_id)
    reason = required_text(reason, "reason", _("请填写取消原因"))
    meeting.transition_to(JointMeeting.Status.CANCELLED)
    meeting.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="joint_meeting.cancelled", target=meeting, extra={"reason": reason})
    return meeting


@transaction.atomic
def meeting_topic_add(*, actor, meeting_id: int, title: str, raised_by_id: int | None = None) -> MeetingTopic:
    scoping.ensure_can(actor, "party.manage")
    meeting = _lock(JointMeeting.objects.all(), actor, meeting_id)
    if meeting.status == JointMeeting.Status.CANCELLED:
        raise Conflict(_("会议已取消"), code=PartyErrorCode.INVALID_TRANSITION)
    raised_by = _units(actor, [raised_by_id], field="raised_by")[0] if raised_by_id else None
    topic = MeetingTopic.objects.create(meeting=meeting, title=required_text(title, "title", _("请填写议题"), 200), raised_by=raised_by)
    audit_record(actor=actor, verb="joint_meeting.topic_added", target=meeting, extra={"topic": topic.title})
    return topic


@transaction.atomic
def resolution_add(*, actor, meeting_id: int, text: str, owner_name: str, owner_unit_id: int | None = None,
                   due_on: dt.date | None = None) -> Resolution:
    """Record a resolution (议定事项) of a held meeting with who is responsible and by when."""
    scoping.ensure_can(actor, "party.manage")
    meeting = _lock(JointMeeting.objects.all(), actor, meeting_id)
    if meeting.status != JointMeeting.Status.HELD:
        raise Conflict(_("会议召开后才能登记议定事项"), code=PartyErrorCode.INVALID_TRANSITION)
    if due_on is not None and due_on < meeting.held_on:
        raise InvalidInput(_("完成时限不能早于会议日期"), extra={"field": "due_on"})
    owner_unit = _units(actor, [owner_unit_id], field="owner_unit")[0] if owner_unit_id else None
    resolution = Resolution(meeting=meeting, text=required_text(text, "text", _("请填写议定事项"), 500),
                            owner_name=required_text(owner_name, "owner_name", _("请填写责任人或责任单位"), 100),
                            owner_unit=owner_unit, due_on=due_on)
    resolution.save()
    audit_record(actor=actor, verb="resolution.added", target=resolution, node_id=meeting.community_id,
                 extra={"meeting": meeting.pk})
    return resolution


@transaction.atomic
def resolution_follow_up(*, actor, resolution_id: int, note: str, status: str,
                         on: dt.date | None = None) -> ResolutionFollowUp:
    """Log how a resolution is being carried out; ``status`` is its status afterwards (推进中, 已办结, 已撤销)."""
    scoping.ensure_can(actor, "party.manage")
    resolution = _lock(Resolution.objects.select_related("meeting"), actor, resolution_id, via="meeting__")
    on = on or today_local()
    if status not in Resolution.Status.values:
        raise InvalidInput(_("状态取值不正确"), extra={"field": "status"})
    if status not in RESOLUTION_TRANSITIONS[resolution.status]:
        raise Conflict(_("议定事项已办结或已撤销,不能再跟进"), code=PartyErrorCode.INVALID_TRANSITION,
                       extra={"from": resolution.status, "to": status})
    followup = ResolutionFollowUp.objects.create(resolution=resolution, on=on, note=required_text(note, "note", _("请填写落实情况")),
                                                 status_after=status, author_name=getattr(actor, "username", ""))
    resolution.status = status
    resolution.done_on = on if status == Resolution.Status.DONE else None
    resolution.save(update_fields=["status", "done_on", "updated_at"])
    audit_record(actor=actor, verb="resolution.followed_up", target=resolution, node_id=resolution.meeting.community_id,
                 extra={"status": status})
    return followup


# --- dual reporting ------------------------------------------------------------------------------

@transaction.atomic
def registration_create(*, actor, kind: str, community: Node, registered_on: dt.date, resident: Resident | None = None,
                        organization_name: str = "", unit_id: int | None = None, workplace: str = "",
                        today: dt.date | None = None) -> DualRegistration:
    """Register an in-service party organization (with its unit) or a party member (a registry resident
    living in ``community``, tagged 党员) with ``community`` (双报到)."""
    scoping.ensure_can(actor, "party.manage")
    _community(actor, community)
    if registered_on > (today or today_local()):
        raise InvalidInput(_("报到日期不能晚于今天"), extra={"field": "registered_on"})
    registration = DualRegistration(kind=kind, community=community, registered_on=registered_on,
                                    workplace=(workplace or "").strip()[:150])
    if kind == DualRegistration.Kind.MEMBER:
        if resident is None:
            raise InvalidInput(_("请选择报到的党员"), extra={"field": "resident"})
        _party_member(actor, resident, "resident")
        if resident.community_id != community.pk:
            raise InvalidInput(_("党员须向居住地社区报到:%(name)s 不住在%(c)s") % {"name": resident.name, "c": community.name},
                               code=PartyErrorCode.BAD_PLACE, extra={"field": "community"})
        if DualRegistration.objects.filter(resident=resident, status=DualRegistration.Status.ACTIVE).exists():
            raise Conflict(_("该党员已报到"), code=PartyErrorCode.DUPLICATE, extra={"field": "resident"})
        registration.resident = resident
    elif kind == DualRegistration.Kind.ORGANIZATION:
        registration.organization_name = required_text(organization_name, "organization_name", _("请填写党组织名称"), 150)
        if unit_id:
            registration.unit = _units(actor, [unit_id], field="unit")[0]
            registration.workplace = registration.workplace or registration.unit.name
        if DualRegistration.objects.filter(community=community, organization_name=registration.organization_name,
                                           kind=kind, status=DualRegistration.Status.ACTIVE).exists():
            raise Conflict(_("该党组织已向本社区报到"), code=PartyErrorCode.DUPLICATE, extra={"field": "organization_name"})
    else:
        raise InvalidInput(_("报到类型取值不正确"), extra={"field": "kind"})
    registration.copy_location(community)
    full_clean(registration)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise Conflict(_("已有相同的报到登记"), code=PartyErrorCode.DUPLICATE) from None
    audit_record(actor=actor, verb="dual_registration.created", target=registration,
                 extra={"kind": kind, "resident": registration.resident_id})
    return registration


@transaction.atomic
def registration_withdraw(*, actor, registration_id: int, on: dt.date, reason: str) -> DualRegistration:
    scoping.ensure_can(actor, "party.manage")
    registration = _lock(DualRegistration.objects.all(), actor, registration_id)
    if registration.status != DualRegistration.Status.ACTIVE:
        raise Conflict(_("该报到登记已撤回"), code=PartyErrorCode.INVALID_TRANSITION)
    registration.status, registration.withdrawn_on = DualRegistration.Status.WITHDRAWN, on
    registration.save(update_fields=["status", "withdrawn_on", "updated_at"])
    audit_record(actor=actor, verb="dual_registration.withdrawn", target=registration,
                 extra={"reason": required_text(reason, "reason", _("请填写撤回原因"))})
    return registration


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("服务时长须为数字"), code=PartyErrorCode.BAD_HOURS, extra={"field": "hours"}) from None
    if not Decimal("0") < hours <= Decimal("24"):
        raise InvalidInput(_("服务时长须大于0且不超过24小时"), code=PartyErrorCode.BAD_HOURS, extra={"field": "hours"})
    return hours


@transaction.atomic
def service_log(*, actor, registration_id: int, title: str, served_on: dt.date, hours, note: str = "",
                today: dt.date | None = None) -> ServiceRecord:
    """Log a service of a registered organization or member; it counts once the community confirms it."""
    scoping.ensure_can(actor, "party.manage")
    registration = _lock(DualRegistration.objects.all(), actor, registration_id)
    if registration.status != DualRegistration.Status.ACTIVE:
        raise Conflict(_("该报到登记已撤回"), code=PartyErrorCode.INVALID_TRANSITION)
    if served_on > (today or today_local()) or served_on < registration.registered_on:
        raise InvalidInput(_("服务日期须在报到日期与今天之间"), extra={"field": "served_on"})
    record = ServiceRecord.objects.create(registration=registration, title=required_text(title, "title", _("请填写服务内容"), 200),
                                          served_on=served_on, hours=_hours(hours), note=(note or "").strip()[:200])
    audit_record(actor=actor, verb="dual_service.logged", target=record, node_id=registration.community_id,
                 extra={"registration": registration.pk, "hours": str(record.hours)})
    return record


@transaction.atomic
def service_confirm(*, actor, service_id: int, confirmed: bool, note: str = "") -> ServiceRecord:
    """The community confirms (or refuses) a logged service."""
    scoping.ensure_can(actor, "party.manage")
    record = _lock(ServiceRecord.objects.select_related("registration"), actor, service_id, via="registration__")
    if record.status != ServiceRecord.Status.PENDING:
        raise Conflict(_("该服务记录已确认过"), code=PartyErrorCode.INVALID_TRANSITION)
    if not confirmed:
        note = required_text(note, "note", _("请填写不予确认的原因"), 200)
    record.status = ServiceRecord.Status.CONFIRMED if confirmed else ServiceRecord.Status.REJECTED
    record.confirmed_by, record.confirmed_at = actor, timezone.now()
    if note:
        record.note = note.strip()[:200]
    record.save(update_fields=["status", "confirmed_by", "confirmed_at", "note", "updated_at"])
    audit_record(actor=actor, verb="dual_service.confirmed" if confirmed else "dual_service.rejected", target=record,
                 node_id=record.registration.community_id)
    return record


# --- expected roster -----------------------------------------------------------------------------

ROSTER_HEADERS = {"类型": "kind", "社区代码": "community_code", "名称/姓名": "name", "身份证号": "id_number", "工作单位": "workplace"}
KIND_WORDS = {"党组织": "organization", "在职党组织": "organization", "organization": "organization",
              "党员": "member", "在职党员": "member", "member": "member"}


def roster_import(*, actor, rows: Iterable[dict], source: str = "") -> dict:
    """Import the expected roster (应报到名单): each row ``kind`` (党组织/党员), ``community_code``, ``name``,
    for a member ``id_number`` (only to find the resident: never stored), ``workplace``. Rows already on
    the roster are updated, not repeated. Any bad row: nothing is written and every error is returned
    as ``{"row", "column", "reason"}``."""
    scoping.ensure_can(actor, "party.manage")
    from shequ.registry.services import id_hash_of
    from shequ.core.idcard import normalize_id_number

    rows = list(rows)
    codes = {(r.get("community_code") or "").strip() for r in rows}
    communities = {n.code: n for n in scoping.scope_queryset(Node.objects.filter(level=Level.COMMUNITY, code__in=codes), actor)}
    errors, items = [], []
    for number, row in enumerate(rows, start=1):
        line = row.get("_row", number)
        kind = KIND_WORDS.get((row.get("kind") or "").strip())
        community = communities.get((row.get("community_code") or "").strip())
        name = (row.get("name") or "").strip()
        if kind is None:
            errors.append({"row": line, "column": "类型", "reason": _("应为“党组织”或“党员”")})
            continue
        if community is None:
            errors.append({"row": line, "column": "社区代码", "reason": _("社区代码不存在或不在您的辖区内")})
            continue
        if not name or len(name) > 150:
            errors.append({"row": line, "column": "名称/姓名", "reason": _("不能为空,最多150字")})
            continue
        resident = None
        if kind == "member":
            raw = normalize_id_number(row.get("id_number") or "")
            resident = Resident.objects.with_id_hash(id_hash_of(raw)).first() if raw else None
            if resident is None or not scoping.obj_in_scope(actor, resident):
                errors.append({"row": line, "column": "身份证号", "reason": _("居民信息中查无此人(或不在您的辖区内)")})
                continue
            if resident.name != name:
                errors.append({"row": line, "column": "名称/姓名", "reason": _("姓名与居民信息不符")})
                continue
        items.append((kind, community, name, resident, (row.get("workplace") or "").strip()[:150]))
    if errors:
        return {"created": 0, "updated": 0, "errors": errors}
    return _roster_write(actor=actor, items=items, source=source)


@transaction.atomic
def _roster_write(*, actor, items: list, source: str) -> dict:
    created = updated = 0
    ids = []
    for kind, community, name, resident, workplace in items:
        existing = ExpectedRegistrant.objects.filter(community=community, kind=kind, name=name, resident=resident).first()
        if existing is not None:
            existing.workplace, existing.source = workplace, source[:150]
            existing.save(update_fields=["workplace", "source", "updated_at"])
            updated += 1
            ids.append(existing.pk)
            continue
        entry = ExpectedRegistrant(kind=kind, community=community, name=name, resident=resident, workplace=workplace,
                                   source=source[:150])
        entry.copy_location(community)
        entry.save()
        created += 1
        ids.append(entry.pk)
    if ids:
        from shequ.core.audit import audit_bulk

        audit_bulk(actor=actor, verb="dual_roster.imported", target_type="party.expectedregistrant", ids=ids,
                   extra={"created": created, "updated": updated, "source": source[:150]})
    return {"created": created, "updated": updated, "errors": []}


def roster_import_file(*, actor, binary, filename: str) -> dict:
    """Read an .xlsx or .csv roster (columns 类型, 社区代码, 名称/姓名, 身份证号, 工作单位) and import it."""
    from shequ.transfer.reader import open_table

    scoping.ensure_can(actor, "party.manage")
    table = open_table(binary, filename)
    missing = [h for h in ("类型", "社区代码", "名称/姓名") if h not in table.headers]
    if missing:
        raise InvalidInput(_("缺少列:%(c)s") % {"c": "、".join(missing)}, code=PartyErrorCode.BAD_ROSTER,
                           extra={"field": "file", "missing": missing})
    index = {ROSTER_HEADERS[h]: i for i, h in enumerate(table.headers) if h in ROSTER_HEADERS}
    rows = []
    for line, cells in table.rows:
        row = {key: cells[i] if i < len(cells) else "" for key, i in index.items()}
        row["_row"] = line
        rows.append(row)
    if not rows:
        raise InvalidInput(_("文件中没有数据行"), code=PartyErrorCode.BAD_ROSTER, extra={"field": "file"})
    return roster_import(actor=actor, rows=rows, source=filename)


# --- central households --------------------------------------------------------------------------

def _served(actor, center_household: Household, served_ids: Iterable[int]) -> list[Household]:
    wanted = sorted({int(pk) for pk in served_ids} - {center_household.pk})
    if not wanted:
        return []
    households = list(scoping.scope_queryset(Household.objects.filter(pk__in=wanted), actor))
    if len(households) != len(wanted):
        raise NotInScope(_("户不存在或不在您的辖区内"), extra={"field": "served"})
    foreign = [h.pk for h in households if h.building_id != center_household.building_id]
    if foreign:
        raise InvalidInput(_("联系服务户须与中心户在同一楼栋"), code=PartyErrorCode.WRONG_BUILDING,
                           extra={"field": "served", "households": foreign})
    return households


@transaction.atomic
def central_household_create(*, actor, member: Resident, served_ids: Iterable[int] = (),
                             designated_on: dt.date | None = None, note: str = "") -> CentralHousehold:
    """Make a party member's household a central household (党员中心户) of its building, linked to the
    households of the building it serves."""
    scoping.ensure_can(actor, "party.manage")
    _party_member(actor, member, "member")
    if member.household_id is None or member.status != Resident.Status.ACTIVE:
        raise InvalidInput(_("该党员没有在册的户"), extra={"field": "member"})
    household = Household.objects.get(pk=member.household_id)
    if household.building_id is None:
        raise InvalidInput(_("该户不在任何楼栋"), code=PartyErrorCode.WRONG_BUILDING, extra={"field": "member"})
    if CentralHousehold.objects.filter(household=household).exists():
        raise Conflict(_("该户已是党员中心户"), code=PartyErrorCode.DUPLICATE, extra={"field": "member"})
    served = _served(actor, household, served_ids)
    center = CentralHousehold(household=household, member=member, designated_on=designated_on or today_local(),
                              note=(note or "").strip()[:200])
    center.copy_location(household)
    center.save()
    center.served.set(served)
    audit_record(actor=actor, verb="central_household.created", target=center, extra={"served": [h.pk for h in served]})
    return center


@transaction.atomic
def central_household_serve(*, actor, center_id: int, served_ids: Iterable[int]) -> CentralHousehold:
    """Replace the households a central household serves (all in its building)."""
    scoping.ensure_can(actor, "party.manage")
    center = _lock(CentralHousehold.objects.select_related("household"), actor, center_id)
    served = _served(actor, center.household, served_ids)
    before = sorted(center.served.values_list("pk", flat=True))
    center.served.set(served)
    center.save(update_fields=["updated_at"])
    audit_record(actor=actor, verb="central_household.served_changed", target=center,
                 extra={"before": before, "after": sorted(h.pk for h in served)})
    return center


@transaction.atomic
def central_household_remove(*, actor, center_id: int, reason: str) -> None:
    scoping.ensure_can(actor, "party.manage")
    center = _lock(CentralHousehold.objects.all(), actor, center_id)
    reason = required_text(reason, "reason", _("请填写撤销原因"))
    audit_record(actor=actor, verb="central_household.removed", target=center, extra={"reason": reason})
    center.delete()
