"""Writes on workers, trainings, assessments, candidates and findings, funds and facilities.

Each service owns its transaction, checks the actor's capability and the record's scope through
``jurisdiction.scoping``, validates (``full_clean``; ID numbers and phones with the registry's rules,
stored encrypted with keyed hashes), saves and writes the audit record in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotAllowed
from shequ.core.validation import full_clean
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node
from shequ.registry.services import apply_id_number, apply_phone

from .errors import WorkforceErrorCode as E
from .models import (
    ASSESSMENT_MONTH, Assessment, Candidate, Facility, Funding, ReviewDepartment, ReviewFinding, Spending, Training,
    Worker, overall_of,
)

WORKER_FIELDS = ("name", "sex", "birth_date", "position", "education", "certificate", "monthly_pay", "pension_insured",
                 "medical_insured", "unemployment_insured", "injury_insured", "hired_on", "status", "left_on", "note")


def _community(actor, community: Node) -> Node:
    if community is None or community.level != Level.COMMUNITY:
        raise InvalidInput(_("请选择社区或村"), code=E.NOT_A_COMMUNITY, extra={"field": "community"})
    scoping.ensure_nodes_in_scope(actor, [community])
    return community


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("金额格式不正确"), extra={"field": field}) from None
    if amount <= 0:
        raise InvalidInput(_("金额须大于零"), extra={"field": field})
    return amount


def _check_duplicate(worker: Worker) -> None:
    if worker.id_hash and Worker.objects.filter(id_hash=worker.id_hash).exclude(id_hash="").exclude(pk=worker.pk).exists():
        raise Conflict(_("该身份证号已登记为社区工作者"), code=E.DUPLICATE_WORKER, extra={"field": "id_number"})


def _apply_worker(worker: Worker, data: dict[str, Any]) -> list[str]:
    """Set the given fields (ID number and phone through the registry's rules); return those changed."""
    changed = []
    if "id_number" in data:
        before = worker.id_hash
        apply_id_number(worker, (data.pop("id_number") or "").strip())
        if worker.id_hash != before:
            changed += ["id_number", "id_hash", "birth_date", "sex"]
    if "phone" in data:
        before = worker.phone_hash
        apply_phone(worker, (data.pop("phone") or "").strip())
        if worker.phone_hash != before:
            changed += ["phone", "phone_hash"]
    for key, value in data.items():
        if key not in WORKER_FIELDS:
            raise InvalidInput(_("不能修改字段 %(f)s") % {"f": key}, extra={"field": key})
        if key in ("birth_date", "sex") and worker.id_hash:
            continue  # the ID number decides birth date and sex
        if key == "name":
            value = (value or "").strip()
        if getattr(worker, key) != value:
            setattr(worker, key, value)
            changed.append(key)
    if worker.status == Worker.Status.ACTIVE and worker.left_on:
        worker.left_on = None
        changed.append("left_on")
    if worker.status == Worker.Status.LEFT and not worker.left_on:
        raise InvalidInput(_("离岗须填写离岗日期"), extra={"field": "left_on"})
    return changed


@transaction.atomic
def worker_create(*, actor, community: Node, name: str, id_number: str = "", phone: str = "", **fields) -> Worker:
    """Register a community worker at ``community``; the ID number (if given) sets birth date and sex."""
    scoping.ensure_can(actor, "workforce.manage")
    worker = Worker()
    worker.copy_location(_community(actor, community))
    _apply_worker(worker, {"name": name, "id_number": id_number, "phone": phone, **fields})
    full_clean(worker, exclude=["id_number", "phone"])
    _check_duplicate(worker)
    worker.save()
    audit_record(actor=actor, verb="worker.created", target=worker)
    return worker


@transaction.atomic
def worker_update(*, actor, worker_id: int, community: Node | None = None, **fields) -> Worker:
    """Change a worker's fields (only those given) or move them to another community of the actor's area."""
    worker = scoping.get_in_scope(Worker.objects.select_for_update(), actor, pk=worker_id)
    scoping.ensure_can(actor, "workforce.manage", worker)
    changed = _apply_worker(worker, dict(fields))
    if community is not None and community.pk != worker.community_id:
        worker.copy_location(_community(actor, community))
        changed += worker.location_fields()
    if changed:
        full_clean(worker, exclude=["id_number", "phone"])
        _check_duplicate(worker)
        worker.save(update_fields=sorted(set(changed)) + ["updated_at"])
        audit_record(actor=actor, verb="worker.updated", target=worker,
                     extra={"fields": sorted({c for c in changed if not c.endswith("_id") or c == "community_id"})})
    return worker


def worker_reveal(*, actor, worker: Worker, channel: str = "page") -> dict[str, str]:
    """A worker's ID number and phone in clear, for a user with the unmask permission; audit-logged."""
    scoping.ensure_can(actor, "workforce.view", worker)
    if not scoping.can_unmask(actor):
        raise NotAllowed(_("您没有查看身份证号、电话明文的权限"))
    audit_record(actor=actor, verb="worker.unmasked", target=worker, extra={"channel": channel})
    return {"id_number": worker.id_number, "phone": worker.phone}


@transaction.atomic
def training_add(*, actor, worker_id: int, title: str, start_on: dt.date, hours=0, organizer: str = "") -> Training:
    worker = scoping.get_in_scope(Worker.objects.all(), actor, pk=worker_id)
    scoping.ensure_can(actor, "workforce.manage", worker)
    training = Training(worker=worker, title=(title or "").strip(), start_on=start_on, hours=hours,
                        organizer=(organizer or "").strip())
    full_clean(training)
    training.save()
    audit_record(actor=actor, verb="worker.training_added", target=training, node_id=worker.community_id)
    return training


@transaction.atomic
def assessment_record(*, actor, worker_id: int, year: int, grade: str, remarks: str = "",
                      today: dt.date | None = None) -> Assessment:
    """Record (or correct) a worker's yearly assessment of ``year``: only from 1 December of that year on."""
    worker = scoping.get_in_scope(Worker.objects.all(), actor, pk=worker_id)
    scoping.ensure_can(actor, "workforce.manage", worker)
    today = today or timezone.localdate()
    if (today.year, today.month) < (year, ASSESSMENT_MONTH):
        raise InvalidInput(_("%(year)d年度考核须在%(year)d年12月起进行") % {"year": year}, code=E.TOO_EARLY,
                           extra={"field": "year"})
    assessment = Assessment.objects.select_for_update().filter(worker=worker, year=year).first()
    verb = "worker.assessment_changed" if assessment else "worker.assessed"
    assessment = assessment or Assessment(worker=worker, year=year)
    assessment.grade, assessment.remarks = grade, (remarks or "").strip()
    assessment.assessed_on, assessment.assessed_by = today, actor
    full_clean(assessment)
    assessment.save()
    audit_record(actor=actor, verb=verb, target=assessment, node_id=worker.community_id,
                 extra={"year": year, "grade": grade})
    return assessment


# --- qualification joint review ------------------------------------------------------------------

@transaction.atomic
def candidate_create(*, actor, community: Node, name: str, position: str, year: int, id_number: str = "",
                     note: str = "") -> Candidate:
    """Put a candidate for a community post under joint review."""
    scoping.ensure_can(actor, "workforce.manage")
    candidate = Candidate(name=(name or "").strip(), position=position, year=year, note=(note or "").strip(),
                          created_by=actor)
    candidate.copy_location(_community(actor, community))
    apply_id_number(candidate, (id_number or "").strip())
    full_clean(candidate, exclude=["id_number"])
    candidate.save()
    audit_record(actor=actor, verb="candidate.created", target=candidate)
    return candidate


def reviewable_kinds(user) -> list[str]:
    """The review departments in whose name this user may give findings."""
    if not scoping.can(user, "workforce.review"):
        return []
    if scoping.is_global(user) or user.role == Role.DISTRICT_OFFICE:
        return list(ReviewDepartment.values)  # recording the departments' signed findings on their behalf
    if user.role == Role.ORGANIZATION:
        return [ReviewDepartment.ORGANIZATION.value]
    if user.role == Role.DEPARTMENT:
        from shequ.jurisdiction.models import Department

        kinds = set(Department.objects.filter(pk__in=scoping.bound_department_ids(user)).values_list("kind", flat=True))
        return [k for k in ReviewDepartment.values if k in kinds]
    return []


@transaction.atomic
def finding_record(*, actor, candidate_id: int, department_kind: str, passed: bool, reason: str = "",
                   now: dt.datetime | None = None) -> ReviewFinding:
    """Record one department's finding (pass / fail with reason) and re-derive the overall result."""
    scoping.ensure_can(actor, "workforce.review")
    candidate = scoping.get_in_scope(Candidate.objects.select_for_update(), actor, pk=candidate_id)
    if department_kind not in ReviewDepartment.values:
        raise InvalidInput(_("审查部门取值不正确"), extra={"field": "department_kind"})
    if department_kind not in reviewable_kinds(actor):
        raise NotAllowed(_("您只能以本部门名义出具审查意见"), code=E.WRONG_DEPARTMENT,
                         extra={"department_kind": department_kind})
    reason = (reason or "").strip()
    if not passed and not reason:
        raise InvalidInput(_("不通过须说明理由"), code=E.REASON_REQUIRED, extra={"field": "reason"})
    finding, created = ReviewFinding.objects.update_or_create(
        candidate=candidate, department_kind=department_kind,
        defaults={"passed": passed, "reason": reason, "reviewer": actor, "reviewed_at": now or timezone.now()})
    findings = dict(ReviewFinding.objects.filter(candidate=candidate).values_list("department_kind", "passed"))
    overall = overall_of(findings)
    if overall != candidate.overall:
        candidate.overall = overall
        candidate.save(update_fields=["overall", "updated_at"])
    audit_record(actor=actor, verb="candidate.finding" if created else "candidate.finding_changed", target=candidate,
                 extra={"department": department_kind, "passed": passed, "overall": overall})
    return finding


# --- funds and facilities -------------------------------------------------------------------------

@transaction.atomic
def funding_create(*, actor, community: Node, kind: str, year: int, amount, allocated_on: dt.date,
                   source: str = "", purpose: str = "") -> Funding:
    """Allocate money to a community (district office)."""
    scoping.ensure_can(actor, "workforce.fund")
    funding = Funding(kind=kind, year=year, amount=_money(amount, "amount"), allocated_on=allocated_on,
                      source=(source or "").strip(), purpose=(purpose or "").strip(), created_by=actor)
    funding.copy_location(_community(actor, community))
    full_clean(funding)
    funding.save()
    audit_record(actor=actor, verb="funding.created", target=funding, extra={"kind": kind, "amount": str(funding.amount)})
    return funding


@transaction.atomic
def spending_add(*, actor, funding_id: int, amount, spent_on: dt.date, purpose: str) -> Spending:
    """Spend against a funding; the total spent may not exceed the funding."""
    funding = scoping.get_in_scope(Funding.objects.select_for_update(), actor, pk=funding_id)
    scoping.ensure_can(actor, "workforce.spend", funding)
    amount = _money(amount, "amount")
    spent = Spending.objects.filter(funding=funding).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    if spent + amount > funding.amount:
        raise Conflict(_("支出超过经费余额(余额 %(left)s 元)") % {"left": funding.amount - spent}, code=E.OVERSPENT,
                       extra={"field": "amount", "balance": str(funding.amount - spent)})
    spending = Spending(funding=funding, amount=amount, spent_on=spent_on, purpose=(purpose or "").strip(),
                        created_by=actor)
    spending.copy_location(funding)
    full_clean(spending)
    spending.save()
    audit_record(actor=actor, verb="funding.spent", target=spending, extra={"funding": funding.pk, "amount": str(amount)})
    return spending


@transaction.atomic
def facility_set(*, actor, community: Node, area, address_text: str = "", built_year: int | None = None,
                 note: str = "") -> Facility:
    """Set a community's service-centre area (creates the record the first time)."""
    scoping.ensure_can(actor, "workforce.manage")
    community = _community(actor, community)
    try:
        area = Decimal(str(area)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("面积格式不正确"), extra={"field": "area"}) from None
    if area < 0:
        raise InvalidInput(_("面积不能为负数"), extra={"field": "area"})
    facility = Facility.objects.select_for_update().filter(community=community).first() or Facility()
    before = facility.area if facility.pk else None
    facility.copy_location(community)
    facility.area, facility.address_text, facility.built_year, facility.note = area, address_text.strip(), built_year, note.strip()
    full_clean(facility)
    facility.save()
    audit_record(actor=actor, verb="facility.set", target=facility,
                 extra={"area": str(area), "before": str(before) if before is not None else None})
    return facility
