"""Writes on social organizations and purchased service projects: ``socialorgs.manage`` and the
record's scope checked first, one transaction, audit record in it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotInScope
from shequ.core.validation import full_clean
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import LEVEL_RANK, Level, Node
from shequ.party.services import required_text
from shequ.registry.models import Establishment

from .errors import SocialOrgErrorCode
from .models import ServiceProject, SocialOrganization

ORGANIZATION_FIELDS = ("name", "type", "served_group", "filing", "filed_on", "founded_on", "revoked_on", "unit_id",
                       "leader_name", "member_count", "activities")


def _lock(model, user, pk: int):
    try:
        return scoping.scope_queryset(model.objects.all(), user).select_for_update(of=("self",)).get(pk=pk)
    except model.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


def _apply(org: SocialOrganization, actor, fields: dict) -> None:
    for key, value in fields.items():
        if key == "unit_id":
            unit = None
            if value:
                unit = scoping.scope_queryset(Establishment.objects.filter(pk=value), actor).first()
                if unit is None:
                    raise NotInScope(_("单位不存在或不在您的辖区内"), extra={"field": "unit"})
                if unit.community_id != org.community_id:
                    raise InvalidInput(_("对应实有单位须在本社区内"), code=SocialOrgErrorCode.FOREIGN_UNIT,
                                       extra={"field": "unit"})
            org.unit = unit
        elif key in ("name", "leader_name", "activities"):
            setattr(org, key, (value or "").strip())
        else:
            setattr(org, key, value)
    org.name = required_text(org.name, "name", _("请填写组织名称"), 150)
    if org.type not in SocialOrganization.Type.values:
        raise InvalidInput(_("类型取值不正确"), extra={"field": "type"})
    if org.type == SocialOrganization.Type.SPECIFIC_GROUP and not org.served_group:
        raise InvalidInput(_("特定群体类组织须填写服务对象"), extra={"field": "served_group"})
    if org.filing in (SocialOrganization.Filing.REGISTERED, SocialOrganization.Filing.FILED) and org.filed_on is None:
        raise InvalidInput(_("已登记或已备案的组织须填写登记/备案日期"), extra={"field": "filed_on"})
    if org.filing == SocialOrganization.Filing.REVOKED and org.revoked_on is None:
        raise InvalidInput(_("已注销的组织须填写注销日期"), extra={"field": "revoked_on"})
    if org.filing != SocialOrganization.Filing.REVOKED:
        org.revoked_on = None
    full_clean(org, exclude=["unit"])
    if SocialOrganization.objects.filter(community_id=org.community_id, name=org.name).exclude(pk=org.pk).exists():
        raise Conflict(_("本社区已有同名社会组织"), extra={"field": "name"})
    if org.unit_id and SocialOrganization.objects.filter(unit_id=org.unit_id).exclude(pk=org.pk).exists():
        raise Conflict(_("该实有单位已对应另一社会组织"), extra={"field": "unit"})


@transaction.atomic
def organization_create(*, actor, community: Node, **fields) -> SocialOrganization:
    """Register a community social organization (name, type, served group, filing status, ...)."""
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise InvalidInput(_("未知字段:%(f)s") % {"f": ", ".join(sorted(unknown))}, extra={"field": sorted(unknown)[0]})
    scoping.ensure_can(actor, "socialorgs.manage")
    if community is None or community.level != Level.COMMUNITY:
        raise InvalidInput(_("请选择社区/村"), code=SocialOrgErrorCode.BAD_COMMUNITY, extra={"field": "community"})
    scoping.ensure_nodes_in_scope(actor, [community])
    org = SocialOrganization(community=community, type=fields.get("type", ""))
    org.copy_location(community)
    _apply(org, actor, fields)
    org.save()
    audit_record(actor=actor, verb="social_org.created", target=org)
    return org


@transaction.atomic
def organization_update(*, actor, organization_id: int, **changes) -> SocialOrganization:
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise InvalidInput(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))}, extra={"field": sorted(unknown)[0]})
    scoping.ensure_can(actor, "socialorgs.manage")
    org = _lock(SocialOrganization, actor, organization_id)
    before = {k: str(getattr(org, k)) for k in changes}
    _apply(org, actor, changes)
    fields = ["unit" if k == "unit_id" else k for k in changes]
    org.save(update_fields=[*fields, *(["revoked_on"] if "revoked_on" not in fields else []), "updated_at"])
    audit_record(actor=actor, verb="social_org.updated", target=org,
                 extra={k: {"before": before[k], "after": str(getattr(org, k))} for k in changes})
    return org


def _money(value, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(_("请填写金额"), code=SocialOrgErrorCode.BAD_BUDGET, extra={"field": field})
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("金额须为数字"), code=SocialOrgErrorCode.BAD_BUDGET, extra={"field": field}) from None
    if amount < 0 or amount >= Decimal("1e10"):
        raise InvalidInput(_("金额须为0到100亿之间"), code=SocialOrgErrorCode.BAD_BUDGET, extra={"field": field})
    return amount


@transaction.atomic
def project_create(*, actor, organization_id: int, title: str, place: Node, purchaser: str, budget, start_on: dt.date,
                   end_on: dt.date) -> ServiceProject:
    """Record a government-purchased service project (政府购买服务) an organization carries out at ``place``
    (a community or a street of the actor's area)."""
    scoping.ensure_can(actor, "socialorgs.manage")
    org = _lock(SocialOrganization, actor, organization_id)
    if org.filing == SocialOrganization.Filing.REVOKED:
        raise Conflict(_("已注销的组织不能承接项目"), extra={"field": "organization"})
    if place is None or place.level not in (Level.COMMUNITY, Level.STREET) or LEVEL_RANK[place.level] < LEVEL_RANK[Level.STREET]:
        raise InvalidInput(_("服务地点须为社区或街道"), code=SocialOrgErrorCode.BAD_COMMUNITY, extra={"field": "place"})
    scoping.ensure_nodes_in_scope(actor, [place])
    if end_on < start_on:
        raise InvalidInput(_("结束日期不能早于开始日期"), code=SocialOrgErrorCode.BAD_DATES, extra={"field": "end_on"})
    project = ServiceProject(title=required_text(title, "title", _("请填写项目名称"), 200), organization=org, place=place,
                             purchaser=required_text(purchaser, "purchaser", _("请填写购买方"), 100),
                             budget=_money(budget, "budget"), start_on=start_on, end_on=end_on)
    project.copy_location(place)
    full_clean(project)
    project.save()
    audit_record(actor=actor, verb="service_project.created", target=project, extra={"budget": str(project.budget)})
    return project


@transaction.atomic
def project_start(*, actor, project_id: int) -> ServiceProject:
    scoping.ensure_can(actor, "socialorgs.manage")
    project = _lock(ServiceProject, actor, project_id)
    project.transition_to(ServiceProject.Status.RUNNING)
    project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="service_project.started", target=project)
    return project


@transaction.atomic
def project_finish(*, actor, project_id: int, results: str, spent, beneficiaries: int | None = None,
                   rating: str = "") -> ServiceProject:
    """Close a running project with its results, actual spending, people served and rating."""
    scoping.ensure_can(actor, "socialorgs.manage")
    project = _lock(ServiceProject, actor, project_id)
    project.transition_to(ServiceProject.Status.FINISHED)
    project.results = required_text(results, "results", _("请填写项目成效"))
    project.spent = _money(spent, "spent")
    project.beneficiaries = beneficiaries
    project.rating = (rating or "").strip()[:16]
    full_clean(project)
    project.save(update_fields=["status", "results", "spent", "beneficiaries", "rating", "updated_at"])
    audit_record(actor=actor, verb="service_project.finished", target=project,
                 extra={"spent": str(project.spent), "budget": str(project.budget)})
    return project
