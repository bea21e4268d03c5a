"""Writes of work admission: the lists, department work requests and their decisions, dispatch to
communities and grids, completion, data reuse, unadmitted work, seal uses, certificates, plaques.

Each service owns its transaction, checks the actor's capability and scope through
``jurisdiction.scoping`` (403 wrong role, 404 outside scope), moves a request only through
``models.TASK_TRANSITIONS`` (409 otherwise), names the field of any bad input (422), and writes
the task's timeline and the audit record in the same transaction. ``now`` may be passed so that
tests control the clock.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotInScope
from shequ.core.validation import full_clean
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Level, Node

from . import datafields, defaults
from .errors import AdmissionErrorCode as E
from .models import (
    CLASS_CATEGORY, AdmissionItem, AdmissionList, Assignment, AvoidedCollection, Category, Channel, DutyClass,
    FundingMode, Plaque, ResultFile, StampRecord, TaskEvent, UnadmittedReport, WorkTask,
)
from .selectors import list_in_force

T = WorkTask.Status


def local_date(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def _text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, code=E.FIELD_REQUIRED, extra={"field": field})
    return value


def _reason(value, field: str = "reason") -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("请填写理由"), code=E.REASON_REQUIRED, extra={"field": field})
    return value


def _event(task: WorkTask, *, actor, verb: str, at: dt.datetime, assignment: Assignment | None = None,
           note: str = "", extra: dict | None = None) -> TaskEvent:
    return TaskEvent.objects.create(task=task, assignment=assignment, at=at,
                                    actor=actor if getattr(actor, "pk", None) else None,
                                    actor_name=getattr(actor, "username", "") or "system", verb=verb, note=note,
                                    extra=extra or {})


def _ensure(actor, capability: str) -> None:
    """``ensure_can`` for people; ``actor=None`` is the system (demo loader, migrations)."""
    if actor is not None:
        scoping.ensure_can(actor, capability)


def _district(actor, district_id: int) -> Node:
    district = Node.objects.filter(pk=district_id, level=Level.DISTRICT).first()
    if district is None or (actor is not None and not scoping.obj_in_scope(actor, district)):
        raise NotInScope(_("记录不存在或不在您的辖区内"), extra={"district": district_id})
    return district


# --- lists ---------------------------------------------------------------------------------------

def _next_version(district: Node) -> int:
    return (AdmissionList.objects.filter(district=district).aggregate(m=Max("version"))["m"] or 0) + 1


def _default_items(admission_list: AdmissionList) -> list[AdmissionItem]:
    items = []
    for category, rows in defaults.DEFAULT_ITEMS.items():
        for i, (name, basis) in enumerate(rows, start=1):
            items.append(AdmissionItem(admission_list=admission_list, category=category, sort=i, name=name,
                                       code=f"{defaults.CODE_PREFIX[category]}{i:02d}", legal_basis=basis))
    return items


@transaction.atomic
def list_install_defaults(*, actor, district_id: int, effective_from: dt.date | None = None,
                          now: dt.datetime | None = None) -> AdmissionList:
    """Publish the default lists as a district's first version (only when it has no list yet),
    marked as defaults to edit."""
    _ensure(actor, "admission.lists")
    district = _district(actor, district_id)
    now = now or timezone.now()
    if AdmissionList.objects.filter(district=district).exists():
        raise Conflict(_("本区已有准入清单,请在其基础上修改"), code=E.DUPLICATE)
    admission_list = AdmissionList.objects.create(
        district=district, version=1, title=str(defaults.DEFAULT_TITLE), status=AdmissionList.Status.PUBLISHED,
        effective_from=effective_from or local_date(now), published_at=now,
        published_by=actor if getattr(actor, "pk", None) else None, is_default=True,
        note=_("系统默认清单,事项名称仅供参考,请区社区办对照本地文件修改后发布新版本。"))
    AdmissionItem.objects.bulk_create(_default_items(admission_list))
    audit_record(actor=actor, verb="admission.list_defaults", target=admission_list, node_id=district.pk)
    return admission_list


@transaction.atomic
def list_draft_create(*, actor, district_id: int, title: str = "") -> AdmissionList:
    """Start the next version of a district's lists as a draft: a copy of the latest version's
    items (or of the defaults when the district has none). One draft at a time."""
    _ensure(actor, "admission.lists")
    district = _district(actor, district_id)
    Node.objects.select_for_update().filter(pk=district.pk).first()  # one draft at a time, also concurrently
    if AdmissionList.objects.filter(district=district, status=AdmissionList.Status.DRAFT).exists():
        raise Conflict(_("已有未发布的草稿,请先编辑或发布它"), code=E.DUPLICATE)
    latest = AdmissionList.objects.filter(district=district).order_by("-version").first()
    draft = AdmissionList.objects.create(
        district=district, version=_next_version(district),
        title=(title or "").strip() or (latest.title if latest and not latest.is_default else _("社区工作准入清单")),
        is_default=False)
    if latest is None:
        AdmissionItem.objects.bulk_create(_default_items(draft))
    else:
        AdmissionItem.objects.bulk_create([
            AdmissionItem(admission_list=draft, category=i.category, code=i.code, name=i.name,
                          legal_basis=i.legal_basis, note=i.note, sort=i.sort)
            for i in latest.items.all()])
    audit_record(actor=actor, verb="admission.list_draft", target=draft, extra={"from": latest.pk if latest else None})
    return draft


def _draft_for_update(actor, list_id: int) -> AdmissionList:
    from .selectors import list_get

    found = list_get(user=actor, pk=list_id)
    admission_list = AdmissionList.objects.select_for_update().get(pk=found.pk)
    if admission_list.status != AdmissionList.Status.DRAFT:
        raise Conflict(_("只能修改草稿;已发布的清单请新建版本"), code=E.NOT_DRAFT, extra={"status": admission_list.status})
    return admission_list


@transaction.atomic
def list_item_add(*, actor, list_id: int, category: str, name: str, legal_basis: str = "",
                  note: str = "") -> AdmissionItem:
    """Add an item to a draft; its code continues the category's numbering (LZ21, XZ15, ...)."""
    _ensure(actor, "admission.lists")
    admission_list = _draft_for_update(actor, list_id)
    if category not in Category.values:
        raise InvalidInput(_("清单类别取值不正确"), extra={"field": "category", "category": category})
    name = _text(name, "name", _("请填写事项名称"))
    prefix = defaults.CODE_PREFIX[category]
    numbers = [int(c[len(prefix):]) for c in admission_list.items.filter(category=category).values_list("code", flat=True)
               if c[len(prefix):].isdigit()]
    n = max(numbers, default=0) + 1
    item = AdmissionItem.objects.create(admission_list=admission_list, category=category, code=f"{prefix}{n:02d}",
                                        name=name[:200], legal_basis=(legal_basis or "").strip()[:300],
                                        note=(note or "").strip()[:300], sort=n)
    audit_record(actor=actor, verb="admission.list_item_added", target=item, node_id=admission_list.district_id,
                 extra={"list": admission_list.pk, "category": category})
    return item


@transaction.atomic
def list_item_update(*, actor, item_id: int, name: str, legal_basis: str = "", note: str = "") -> AdmissionItem:
    _ensure(actor, "admission.lists")
    item = AdmissionItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    admission_list = _draft_for_update(actor, item.admission_list_id)
    old = {"name": item.name, "legal_basis": item.legal_basis, "note": item.note}
    item.name = _text(name, "name", _("请填写事项名称"))[:200]
    item.legal_basis, item.note = (legal_basis or "").strip()[:300], (note or "").strip()[:300]
    item.save(update_fields=["name", "legal_basis", "note", "updated_at"])
    audit_record(actor=actor, verb="admission.list_item_changed", target=item, node_id=admission_list.district_id,
                 extra={"old": old})
    return item


@transaction.atomic
def list_item_remove(*, actor, item_id: int) -> None:
    _ensure(actor, "admission.lists")
    item = AdmissionItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    admission_list = _draft_for_update(actor, item.admission_list_id)
    audit_record(actor=actor, verb="admission.list_item_removed", target=item, node_id=admission_list.district_id,
                 extra={"code": item.code, "name": item.name})
    item.delete()


@transaction.atomic
def list_publish(*, actor, list_id: int, effective_from: dt.date, note: str = "",
                 now: dt.datetime | None = None) -> AdmissionList:
    """Publish a draft: in force from ``effective_from``; the version in force before it ends the
    day before (so every date has at most one list in force)."""
    _ensure(actor, "admission.lists")
    now = now or timezone.now()
    admission_list = _draft_for_update(actor, list_id)
    if not admission_list.items.exists():
        raise InvalidInput(_("清单没有任何事项"), extra={"field": "items"})
    previous = list(AdmissionList.objects.select_for_update().filter(
        district_id=admission_list.district_id, status=AdmissionList.Status.PUBLISHED))
    for old in previous:
        if old.effective_from and effective_from <= old.effective_from:
            raise InvalidInput(_("施行日期须晚于现行版本的施行日期 %(date)s") % {"date": old.effective_from.isoformat()},
                               code=E.BAD_EFFECTIVE_DATE, extra={"field": "effective_from"})
    for old in previous:
        old.status = AdmissionList.Status.SUPERSEDED
        old.effective_to = effective_from - dt.timedelta(days=1)
        old.save(update_fields=["status", "effective_to", "updated_at"])
    admission_list.status = AdmissionList.Status.PUBLISHED
    admission_list.effective_from = effective_from
    admission_list.published_at, admission_list.published_by = now, actor
    if note:
        admission_list.note = note.strip()
    admission_list.save(update_fields=["status", "effective_from", "published_at", "published_by", "note", "updated_at"])
    audit_record(actor=actor, verb="admission.list_published", target=admission_list,
                 extra={"effective_from": effective_from.isoformat(), "superseded": [o.pk for o in previous]})
    return admission_list


# --- department work requests ---------------------------------------------------------------------

def _department_of(actor, department_id: int | None) -> Department:
    ids = scoping.bound_department_ids(actor)
    if scoping.is_global(actor):
        department = Department.objects.filter(pk=department_id).select_related("district").first() if department_id else None
    else:
        if department_id is None and len(ids) == 1:
            department_id = ids[0]
        department = (Department.objects.filter(pk=department_id).select_related("district").first()
                      if department_id in ids else None)
    if department is None:
        raise InvalidInput(_("请选择提出申请的部门"), extra={"field": "department"})
    return department


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("金额格式不正确"), extra={"field": field}) from None
    if amount < 0:
        raise InvalidInput(_("金额不能为负"), extra={"field": field})
    return amount


def _check_request(*, department: Department, data: dict, today: dt.date) -> dict:
    """Validate a request and work out its route. Returns the cleaned fields, with ``list_item``,
    ``admission_list``, ``communities`` and ``goes_out`` (admitted without the office)."""
    title = _text(data.get("title"), "title", _("请填写事项名称"))[:150]
    description = _text(data.get("description"), "description", _("请填写工作内容"))
    duty_class = data.get("duty_class")
    if duty_class not in DutyClass.values:
        raise InvalidInput(_("请选择职责类别(基本、协助或服务)"), extra={"field": "duty_class"})
    deadline = data.get("deadline")
    if not isinstance(deadline, dt.date) or deadline <= today:
        raise InvalidInput(_("完成期限须晚于今天"), code=E.BAD_DEADLINE, extra={"field": "deadline"})
    funding_mode = data.get("funding_mode") or FundingMode.NONE
    if funding_mode not in FundingMode.values:
        raise InvalidInput(_("经费方式取值不正确"), extra={"field": "funding_mode"})
    amount = _money(data.get("funding_amount"), "funding_amount")
    units = data.get("funding_units")
    if funding_mode == FundingMode.PER_UNIT and (not units or units < 1):
        raise InvalidInput(_("按工作量拨付须填写工作量(单位数)"), code=E.FIELD_REQUIRED, extra={"field": "funding_units"})
    funded = funding_mode != FundingMode.NONE and amount > 0
    codes = list(dict.fromkeys(data.get("data_fields") or []))
    unknown = datafields.unknown(codes)
    if unknown:
        raise InvalidInput(_("未知的数据项:%(codes)s") % {"codes": "、".join(unknown)}, code=E.UNKNOWN_DATA_FIELD,
                           extra={"field": "data_fields", "unknown": unknown})
    community_ids = sorted({int(pk) for pk in (data.get("community_ids") or [])})
    communities = Node.objects.filter(level=Level.COMMUNITY, district_id=department.district_id)
    if community_ids:
        communities = list(communities.filter(pk__in=community_ids))
        if len(communities) != len(community_ids):
            raise InvalidInput(_("只能下派到本区的社区/村"), code=E.BAD_TARGET, extra={"field": "communities"})
    else:
        communities = list(communities)
        if not communities:
            raise InvalidInput(_("本区没有社区/村"), code=E.BAD_TARGET, extra={"field": "communities"})
    admission_list = list_in_force(district_id=department.district_id, day=today)
    item = None
    if data.get("list_item_id"):
        if admission_list is None:
            raise InvalidInput(_("本区没有现行的准入清单,只能按清单外事项申请"), code=E.NO_LIST, extra={"field": "list_item"})
        item = admission_list.items.filter(pk=data["list_item_id"]).first()
        if item is None:
            raise InvalidInput(_("所选事项不在现行准入清单内"), code=E.ITEM_NOT_IN_LIST, extra={"field": "list_item"})
        if CLASS_CATEGORY.get(duty_class) != item.category:
            raise InvalidInput(_("清单事项“%(item)s”属于%(category)s,与所选职责类别不符")
                               % {"item": item.name, "category": item.get_category_display()},
                               code=E.CLASS_MISMATCH, extra={"field": "list_item"})
    if duty_class != DutyClass.BASIC and not funded:
        raise InvalidInput(_("协助职责和服务职责事项须随事附经费(费随事转)"), code=E.FUNDING_REQUIRED,
                           extra={"field": "funding_amount"})
    legal_basis = (data.get("legal_basis") or "").strip()[:300]
    purpose = (data.get("purpose") or "").strip()
    if item is None:  # off-list work: the office decides, on the whole case
        legal_basis = _text(legal_basis, "legal_basis", _("清单外事项须写明法律依据"))
        purpose = _text(purpose, "purpose", _("清单外事项须写明目的"))
        if not funded:
            raise InvalidInput(_("清单外事项须落实经费(费随事转)"), code=E.FUNDING_REQUIRED, extra={"field": "funding_amount"})
    other = (data.get("other_data_fields") or "").strip()[:500]
    return {
        "title": title, "description": description, "duty_class": duty_class, "deadline": deadline,
        "funding_mode": funding_mode, "funding_amount": amount if funding_mode != FundingMode.NONE else Decimal("0"),
        "funding_units": units if funding_mode == FundingMode.PER_UNIT else None,
        "funding_unit_label": (data.get("funding_unit_label") or "").strip()[:20],
        "funding_source": (data.get("funding_source") or "").strip()[:200],
        "legal_basis": legal_basis, "purpose": purpose, "data_fields": codes, "other_data_fields": other,
        "collection_only": bool(data.get("collection_only")),
        "ledgers_demanded": int(data.get("ledgers_demanded") or 0), "forms_demanded": int(data.get("forms_demanded") or 0),
        "list_item": item, "admission_list": admission_list, "communities": communities,
        "reuse_offered": bool(codes),
        # on-list work without registry data to release goes out at once; everything else waits
        "goes_out": item is not None and not codes,
    }


_TASK_FIELDS = ("title", "description", "duty_class", "deadline", "funding_mode", "funding_amount", "funding_units",
                "funding_unit_label", "funding_source", "legal_basis", "purpose", "data_fields", "other_data_fields",
                "collection_only", "ledgers_demanded", "forms_demanded", "list_item", "admission_list", "reuse_offered")


@transaction.atomic
def task_submit(*, actor, department_id: int | None = None, now: dt.datetime | None = None, **data) -> WorkTask:
    """A department files a work request for communities 部门工作事项准入申请.

    On-list basic work goes out at once; on-list assisting work too, but only with its funding
    (费随事转). Off-list work must state legal basis, purpose, funding and deadline and waits for
    the district community office, as does any request for registry data (released only after
    approval, as a scoped, masked export instead of a door-to-door collection).
    """
    scoping.ensure_can(actor, "admission.request")
    now = now or timezone.now()
    department = _department_of(actor, department_id)
    clean = _check_request(department=department, data=data, today=local_date(now))
    task = WorkTask(department=department, submitted_at=now, submitted_by=actor, status=T.PENDING,
                    **{k: clean[k] for k in _TASK_FIELDS})
    task.copy_location(department.district)
    full_clean(task, exclude=["communities", "data_fields"])
    task.save()
    task.communities.set(clean["communities"])
    _event(task, actor=actor, verb="submitted", at=now, note=task.title,
           extra={"route": "on_list" if task.list_item_id else "off_list", "communities": len(clean["communities"])})
    audit_record(actor=actor, verb="admission.task_submitted", target=task,
                 extra={"department": department.pk, "list_item": task.list_item_id, "duty_class": task.duty_class,
                        "funding_total": str(task.funding_total(len(clean["communities"])))})
    if clean["goes_out"]:
        _admit_listed(task, actor=actor, now=now, communities=clean["communities"])
    return task


@transaction.atomic
def task_resubmit(*, actor, task_id: int, now: dt.datetime | None = None, **data) -> WorkTask:
    """The department revises a request sent back for changes and files it again."""
    scoping.ensure_can(actor, "admission.request")
    now = now or timezone.now()
    task = _task_for_update(actor, task_id)
    if task.status != T.RETURNED:
        raise Conflict(_("只有退回修改的申请可以重新提交"), code=E.INVALID_TRANSITION, extra={"status": task.status})
    clean = _check_request(department=task.department, data=data, today=local_date(now))
    for name in _TASK_FIELDS:
        setattr(task, name, clean[name])
    task.transition_to(T.PENDING)
    task.submitted_at = now
    task.save(update_fields=[*_TASK_FIELDS, "status", "submitted_at", "updated_at"])
    task.communities.set(clean["communities"])
    _event(task, actor=actor, verb="resubmitted", at=now)
    audit_record(actor=actor, verb="admission.task_resubmitted", target=task)
    if clean["goes_out"]:
        _admit_listed(task, actor=actor, now=now, communities=clean["communities"])
    return task


def _admit_listed(task: WorkTask, *, actor, now: dt.datetime, communities: list[Node]) -> None:
    """On-list work with nothing for the office to decide goes out at once."""
    task.transition_to(T.DISPATCHED)
    task.admission = WorkTask.Admission.LISTED
    task.save(update_fields=["status", "admission", "updated_at"])
    _dispatch(task, actor=actor, now=now, communities=communities)


def _task_for_update(actor, task_id: int) -> WorkTask:
    found = _task_visible(actor, task_id)
    return WorkTask.objects.select_for_update().select_related("department").get(pk=found.pk)


def _task_visible(actor, task_id: int) -> WorkTask:
    from .selectors import task_queryset

    task = task_queryset(actor).filter(pk=task_id).first()
    if task is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return task


def _review_target(actor, task_id: int) -> WorkTask:
    scoping.ensure_can(actor, "admission.review")
    task = _task_for_update(actor, task_id)
    if not scoping.obj_in_scope(actor, task):  # a district office decides its own district's requests only
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return task


@transaction.atomic
def task_approve(*, actor, task_id: int, reason: str = "", reuse: bool = True,
                 now: dt.datetime | None = None) -> WorkTask:
    """The district community office admits a pending request; it goes out to its communities.

    With ``reuse`` (the default) the registry data it asks for are released as a scoped, masked
    export for its communities, and each community is recorded as spared that collection; a
    collection-only request whose data the registry holds in full is then done without dispatch.
    """
    now = now or timezone.now()
    task = _review_target(actor, task_id)
    reuse = bool(reuse and task.reuse_offered)
    finished_by_reuse = reuse and task.collection_only and not task.other_data_fields
    previous = task.transition_to(T.REUSED if finished_by_reuse else T.DISPATCHED)
    task.admission = WorkTask.Admission.LISTED if task.list_item_id else WorkTask.Admission.APPROVED
    task.reuse_approved = reuse
    task.decided_at, task.decided_by, task.decision_reason = now, actor, (reason or "").strip()
    task.save(update_fields=["status", "admission", "reuse_approved", "decided_at", "decided_by", "decision_reason",
                             "updated_at"])
    _event(task, actor=actor, verb="approved", at=now, note=task.decision_reason, extra={"reuse": reuse})
    audit_record(actor=actor, verb="admission.task_approved", target=task,
                 extra={"from": previous, "to": task.status, "reuse": reuse, "reason": task.decision_reason})
    communities = list(task.communities.all())
    if reuse:
        _record_avoided(task, communities=communities, now=now)
    if not finished_by_reuse:
        _dispatch(task, actor=actor, now=now, communities=communities)
    return task


@transaction.atomic
def task_reject(*, actor, task_id: int, reason: str, now: dt.datetime | None = None) -> WorkTask:
    """The office refuses admission 不予准入 (a reason is required)."""
    return _decide(actor=actor, task_id=task_id, to=T.REJECTED, verb="rejected", reason=_reason(reason), now=now)


@transaction.atomic
def task_return(*, actor, task_id: int, reason: str, now: dt.datetime | None = None) -> WorkTask:
    """The office sends a request back for changes 退回修改 (a reason is required)."""
    return _decide(actor=actor, task_id=task_id, to=T.RETURNED, verb="returned", reason=_reason(reason), now=now)


def _decide(*, actor, task_id: int, to: str, verb: str, reason: str, now: dt.datetime | None) -> WorkTask:
    now = now or timezone.now()
    task = _review_target(actor, task_id)
    previous = task.transition_to(to)
    task.decided_at, task.decided_by, task.decision_reason = now, actor, reason
    task.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _event(task, actor=actor, verb=verb, at=now, note=reason)
    audit_record(actor=actor, verb=f"admission.task_{verb}", target=task, extra={"from": previous, "reason": reason})
    return task


def _dispatch(task: WorkTask, *, actor, now: dt.datetime, communities: list[Node]) -> list[Assignment]:
    """Send an admitted task to its communities (one ``Assignment`` each, with its funding share)."""
    total = task.funding_total(len(communities))
    share = (total / len(communities)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if communities else Decimal("0")
    rows = []
    for community in communities:
        row = Assignment(task=task, node=community, due_on=task.deadline, funding_share=share, received_at=now)
        row.copy_location(community)
        rows.append(row)
    Assignment.objects.bulk_create(rows)
    task.dispatched_at = now
    task.save(update_fields=["dispatched_at", "updated_at"])
    _event(task, actor=actor, verb="dispatched", at=now, note="、".join(c.name for c in communities[:10]),
           extra={"communities": [c.pk for c in communities], "funding_share": str(share)})
    return rows


def _record_avoided(task: WorkTask, *, communities: list[Node], now: dt.datetime) -> None:
    """Record each community spared the collection, with how many registry records it holds."""
    from shequ.registry.models import Establishment, House, Household, Resident

    models_by_kind = {"residents": Resident, "households": Household, "houses": House, "units": Establishment}
    kinds = datafields.headers_by_kind(task.data_fields)
    ids = [c.pk for c in communities]
    records: dict[int, int] = {}
    for kind in kinds:
        for row in (models_by_kind[kind].objects.filter(community_id__in=ids).values("community_id").order_by()
                    .annotate(n=Count("id"))):
            records[row["community_id"]] = records.get(row["community_id"], 0) + row["n"]
    avoided = []
    for community in communities:
        row = AvoidedCollection(task=task, fields_count=len(task.data_fields), records=records.get(community.pk, 0), at=now)
        row.copy_location(community)
        avoided.append(row)
    AvoidedCollection.objects.bulk_create(avoided)


# --- communities and grids -----------------------------------------------------------------------

def _assignment_for_update(actor, assignment_id: int) -> Assignment:
    found = scoping.get_in_scope(Assignment.objects.all(), actor, pk=assignment_id)
    return Assignment.objects.select_for_update().select_related("task", "node").get(pk=found.pk)


@transaction.atomic
def assignment_forward(*, actor, assignment_id: int, grid_ids: Iterable[int], due_on: dt.date | None = None,
                       note: str = "", now: dt.datetime | None = None) -> list[Assignment]:
    """A community passes its task on to grids of its own (each grid gets its row, due no later
    than the community's)."""
    scoping.ensure_can(actor, "admission.work")
    now = now or timezone.now()
    assignment = _assignment_for_update(actor, assignment_id)
    if assignment.parent_id is not None or assignment.status == Assignment.Status.COMPLETED:
        raise Conflict(_("只有社区待办的事项可以转派网格"), code=E.INVALID_TRANSITION, extra={"status": assignment.status})
    wanted = sorted({int(pk) for pk in grid_ids})
    grids = list(Node.objects.filter(pk__in=wanted, level=Level.GRID, community_id=assignment.node_id))
    if not wanted or len(grids) != len(wanted):
        raise InvalidInput(_("请选择本社区的网格"), code=E.BAD_TARGET, extra={"field": "grids"})
    due_on = due_on or assignment.due_on
    if due_on > assignment.due_on or due_on < local_date(now):
        raise InvalidInput(_("网格完成期限须在今天与社区期限之间"), code=E.BAD_DEADLINE, extra={"field": "due_on"})
    existing = set(assignment.children.values_list("node_id", flat=True))
    rows = []
    for grid in grids:
        if grid.pk in existing:
            continue
        row = Assignment(task=assignment.task, node=grid, parent=assignment, due_on=due_on, received_at=now)
        row.copy_location(grid)
        rows.append(row)
    Assignment.objects.bulk_create(rows)
    assignment.status, assignment.forwarded_at = Assignment.Status.FORWARDED, now
    assignment.save(update_fields=["status", "forwarded_at", "updated_at"])
    _event(assignment.task, actor=actor, verb="forwarded", at=now, assignment=assignment,
           note=(note or "").strip() or "、".join(g.name for g in grids), extra={"grids": wanted})
    audit_record(actor=actor, verb="admission.assignment_forwarded", target=assignment, extra={"grids": wanted})
    return rows


@transaction.atomic
def assignment_complete(*, actor, assignment_id: int, result: str, files=(), now: dt.datetime | None = None) -> Assignment:
    """A community (or grid) reports its task done, with what was done and result files
    (PDF or photos, checked by content). When every community has reported, the task is closed."""
    from shequ.appeals.attachments import check_uploads

    scoping.ensure_can(actor, "admission.work")
    now = now or timezone.now()
    result = _text(result, "result", _("请填写完成情况"))
    checked = check_uploads(files)
    assignment = _assignment_for_update(actor, assignment_id)
    if assignment.status == Assignment.Status.COMPLETED:
        raise Conflict(_("该事项已报告完成"), code=E.INVALID_TRANSITION, extra={"status": assignment.status})
    assignment.status, assignment.completed_at, assignment.completed_by = Assignment.Status.COMPLETED, now, actor
    assignment.result = result
    assignment.save(update_fields=["status", "completed_at", "completed_by", "result", "updated_at"])
    for f in checked:
        ResultFile.objects.create(assignment=assignment, file=f.upload, name=f.name[:200], content_type=f.content_type,
                                  size=f.size, sha256=f.sha256)
    late = assignment.due_on < local_date(now)
    _event(assignment.task, actor=actor, verb="completed", at=now, assignment=assignment, note=result,
           extra={"node": assignment.node.name, "late": late, "files": len(checked)})
    audit_record(actor=actor, verb="admission.assignment_completed", target=assignment,
                 extra={"late": late, "files": [f.sha256 for f in checked]})
    task = WorkTask.objects.select_for_update().get(pk=assignment.task_id)
    open_left = Assignment.objects.filter(task=task, parent__isnull=True).exclude(status=Assignment.Status.COMPLETED)
    if task.status == T.DISPATCHED and not open_left.exists():
        task.transition_to(T.CLOSED)
        task.save(update_fields=["status", "updated_at"])
        _event(task, actor=actor, verb="closed", at=now)
    return assignment


# --- data reuse ------------------------------------------------------------------------------------

def reuse_export(*, actor, task_id: int, kind: str, fmt: str = "csv"):
    """The approved, scoped, masked registry export of a task's data (instead of a door-to-door
    collection): only the asked columns, only the task's communities, never in clear. Returns
    (headers, lazy rows); ``shequ.transfer.exports`` writes the audit record."""
    from shequ.transfer import exports

    scoping.ensure_can(actor, "admission.request")
    task = _task_visible(actor, task_id)
    if not task.reuse_approved:
        raise Conflict(_("数据复用尚未获区社区办批准"), code=E.REUSE_NOT_APPROVED)
    columns = datafields.headers_by_kind(task.data_fields)
    if kind not in columns:
        raise InvalidInput(_("该事项不需要此类数据"), extra={"field": "kind", "kind": kind})
    with transaction.atomic():
        _event(task, actor=actor, verb="reuse_exported", at=timezone.now(), extra={"kind": kind, "format": fmt})
        return exports.export_rows(actor=actor, kind=kind, unmask=False, fmt=fmt, capability="admission.request",
                                   communities=list(task.communities.values_list("pk", flat=True)),
                                   columns=columns[kind], audit_extra={"admission_task": task.pk})


# --- unadmitted work -------------------------------------------------------------------------------

def _community(actor, community_id: int) -> Node:
    community = Node.objects.filter(pk=community_id, level=Level.COMMUNITY).first()
    if community is None or not scoping.obj_in_scope(actor, community):
        raise NotInScope(_("记录不存在或不在您的辖区内"), extra={"field": "community"})
    return community


def _department_in(district_id: int, department_id: int | None, field: str = "department") -> Department | None:
    if not department_id:
        return None
    department = Department.objects.filter(pk=department_id, district_id=district_id).first()
    if department is None:
        raise InvalidInput(_("只能选择本区的部门"), extra={"field": field})
    return department


@transaction.atomic
def unadmitted_flag(*, actor, community_id: int, title: str, received_on: dt.date, department_id: int | None = None,
                    department_name: str = "", description: str = "", channel: str = Channel.OTHER,
                    ledgers_demanded: int = 0, forms_demanded: int = 0,
                    now: dt.datetime | None = None) -> UnadmittedReport:
    """A community flags work that reached it outside the system 未经准入的事项; it counts against
    the sending department (unless the office finds the flag unfounded)."""
    scoping.ensure_can(actor, "admission.work")
    now = now or timezone.now()
    community = _community(actor, community_id)
    title = _text(title, "title", _("请填写事项"))[:150]
    department = _department_in(community.district_id, department_id)
    department_name = (department_name or "").strip()[:100]
    if department is None and not department_name:
        raise InvalidInput(_("请选择交办部门或填写交办单位"), code=E.FIELD_REQUIRED, extra={"field": "department"})
    if channel not in Channel.values:
        raise InvalidInput(_("布置方式取值不正确"), extra={"field": "channel"})
    if not isinstance(received_on, dt.date) or received_on > local_date(now):
        raise InvalidInput(_("收到日期不能晚于今天"), extra={"field": "received_on"})
    report = UnadmittedReport(department=department, department_name="" if department else department_name, title=title,
                              description=(description or "").strip(), received_on=received_on, channel=channel,
                              ledgers_demanded=max(0, int(ledgers_demanded or 0)),
                              forms_demanded=max(0, int(forms_demanded or 0)), reported_by=actor)
    report.copy_location(community)
    report.save()
    audit_record(actor=actor, verb="admission.unadmitted_flagged", target=report,
                 extra={"department": department.pk if department else department_name})
    return report


@transaction.atomic
def unadmitted_review(*, actor, report_id: int, confirm: bool, reason: str = "",
                      now: dt.datetime | None = None) -> UnadmittedReport:
    """The office confirms a flag or finds it unfounded (not counted; a reason is required)."""
    scoping.ensure_can(actor, "admission.review")
    now = now or timezone.now()
    found = scoping.get_in_scope(UnadmittedReport.objects.all(), actor, pk=report_id)
    report = UnadmittedReport.objects.select_for_update().get(pk=found.pk)
    if report.status != UnadmittedReport.Status.FLAGGED:
        raise Conflict(_("该登记已核实"), code=E.INVALID_TRANSITION, extra={"status": report.status})
    reason = (reason or "").strip()
    if not confirm:
        reason = _reason(reason)
    report.status = UnadmittedReport.Status.CONFIRMED if confirm else UnadmittedReport.Status.DISMISSED
    report.reviewed_at, report.reviewed_by, report.review_reason = now, actor, reason
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_reason", "updated_at"])
    audit_record(actor=actor, verb=f"admission.unadmitted_{report.status}", target=report, extra={"reason": reason})
    return report


# --- seals, certificates, plaques -------------------------------------------------------------------

_STAMP_CATEGORY = {StampRecord.Kind.SEAL: Category.SEAL, StampRecord.Kind.CERTIFICATE: Category.CERTIFICATE}


@transaction.atomic
def stamp_record(*, actor, community_id: int, kind: str, matter: str, item_id: int | None = None,
                 requester: str = "", department_id: int | None = None, override_reason: str = "",
                 now: dt.datetime | None = None) -> StampRecord:
    """Check a seal use (against the seal-use scope) or a certificate (against the certificate list)
    and record it: on the list → allowed; off the list → refused, or, with a stated reason (a law
    or court requires it), done with a warning. Every check is recorded, refusals too."""
    scoping.ensure_can(actor, "admission.work")
    now = now or timezone.now()
    if kind not in _STAMP_CATEGORY:
        raise InvalidInput(_("类型须为用印或开具证明"), extra={"field": "kind"})
    community = _community(actor, community_id)
    matter = _text(matter, "matter", _("请填写事由"))[:200]
    department = _department_in(community.district_id, department_id)
    item = None
    if item_id:
        admission_list = list_in_force(district_id=community.district_id, day=local_date(now))
        item = admission_list.items.filter(pk=item_id, category=_STAMP_CATEGORY[kind]).first() if admission_list else None
        if item is None:
            raise InvalidInput(_("所选事项不在现行清单的%(category)s内") % {"category": Category(_STAMP_CATEGORY[kind]).label},
                               code=E.ITEM_NOT_IN_LIST, extra={"field": "item"})
    override_reason = (override_reason or "").strip()
    if item is not None:
        outcome = StampRecord.Outcome.ALLOWED
    elif override_reason:
        outcome = StampRecord.Outcome.WARNED
    else:
        outcome = StampRecord.Outcome.REFUSED
    record = StampRecord(kind=kind, matter=matter, requester=(requester or "").strip()[:100], department=department,
                         item=item, outcome=outcome, reason=override_reason, at=now, recorded_by=actor)
    record.copy_location(community)
    record.save()
    audit_record(actor=actor, verb=f"admission.{kind}_{outcome}", target=record,
                 extra={"item": item.code if item else None, "department": department.pk if department else None})
    return record


@transaction.atomic
def plaque_record(*, actor, community_id: int, name: str, put_up_on: dt.date, department_id: int | None = None,
                  item_id: int | None = None, now: dt.datetime | None = None) -> Plaque:
    """Record a plaque hanging at a community; it is allowed only when it is one of the plaque list."""
    scoping.ensure_can(actor, "admission.work")
    now = now or timezone.now()
    community = _community(actor, community_id)
    name = _text(name, "name", _("请填写牌子名称"))[:100]
    department = _department_in(community.district_id, department_id)
    admission_list = list_in_force(district_id=community.district_id, day=local_date(now))
    item = None
    if item_id:
        item = admission_list.items.filter(pk=item_id, category=Category.PLAQUE).first() if admission_list else None
        if item is None:
            raise InvalidInput(_("所选事项不在现行清单允许的牌子内"), code=E.ITEM_NOT_IN_LIST, extra={"field": "item"})
    elif admission_list is not None:
        item = admission_list.items.filter(category=Category.PLAQUE, name=name).first()
    if not isinstance(put_up_on, dt.date) or put_up_on > local_date(now):
        raise InvalidInput(_("悬挂日期不能晚于今天"), extra={"field": "put_up_on"})
    plaque = Plaque(name=name, department=department, item=item, allowed=item is not None, put_up_on=put_up_on,
                    recorded_by=actor)
    plaque.copy_location(community)
    plaque.save()
    audit_record(actor=actor, verb="admission.plaque_recorded", target=plaque, extra={"allowed": plaque.allowed})
    return plaque


@transaction.atomic
def plaque_remove(*, actor, plaque_id: int, removed_on: dt.date, now: dt.datetime | None = None) -> Plaque:
    scoping.ensure_can(actor, "admission.work")
    now = now or timezone.now()
    found = scoping.get_in_scope(Plaque.objects.all(), actor, pk=plaque_id)
    plaque = Plaque.objects.select_for_update().get(pk=found.pk)
    if plaque.removed_on is not None:
        raise Conflict(_("该牌子已摘除"), code=E.INVALID_TRANSITION)
    if not isinstance(removed_on, dt.date) or removed_on < plaque.put_up_on or removed_on > local_date(now):
        raise InvalidInput(_("摘除日期须在悬挂日期与今天之间"), extra={"field": "removed_on"})
    plaque.removed_on = removed_on
    plaque.save(update_fields=["removed_on", "updated_at"])
    audit_record(actor=actor, verb="admission.plaque_removed", target=plaque)
    return plaque

