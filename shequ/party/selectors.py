"""Scoped reads of party building. Every query starts from ``scoping.scope_queryset``; a user without
``party.view`` gets 403, a record outside their area 404.

Definitions (docs/party.md):

* coverage 组织覆盖率 = units of the covered kinds (``COVERED_KINDS``) linked to at least one organization
  that is not dissolved, divided by all units of those kinds, per sector;
* vacuum 真空区 = those units with no such organization;
* a community's joint meetings in a year = its meetings with status held and ``held_on`` in that year;
* an idle registration = active, registered at least N months ago (the policy's ``idle_months``), with
  no confirmed service in the last N months;
* an unregistered expected registrant = a roster line with no registration (any status) of the same
  member (resident), or of the same organization name in the same community.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from shequ.core.aggregates import sum_per_row
from shequ.core.errors import NotAllowed
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node
from shequ.registry.models import Establishment, Household, Resident

from .models import (COVERED_KINDS, CentralHousehold, DualRegistration, ExpectedRegistrant, JointMeeting,
                     PartyOrganization, Resolution, ServiceRecord)
from .policy import PolicyBook

PARTY_MEMBER_TAG = "party_member"


def ensure_view(user) -> None:
    if not scoping.can(user, "party.view") or (getattr(user, "role", "") == "resident" and not scoping.is_global(user)):
        raise NotAllowed(_("您的角色无权查看党建信息"), extra={"action": "party.view"})


def _scoped(qs: QuerySet, user, node: Node | None = None, via: str = "") -> QuerySet:
    ensure_view(user)
    qs = scoping.scope_queryset(qs, user, via=via)
    if node is not None:
        qs = qs.filter(**{via + key: value for key, value in node.scope_filter().items()})
    return qs


def months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


# --- organizations -------------------------------------------------------------------------------

def organization_list(*, user, node: Node | None = None, kind: str = "", q: str = "",
                      active_only: bool = True) -> QuerySet[PartyOrganization]:
    qs = _scoped(PartyOrganization.objects.all(), user, node)
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(dissolved_on__isnull=True)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return qs.select_related("node", "parent", "community").annotate(unit_count=Count("units")).order_by("node__path", "name")


def organization_get(*, user, pk: int) -> PartyOrganization:
    ensure_view(user)
    return scoping.get_in_scope(PartyOrganization.objects.select_related("node", "parent", "secretary", "community"),
                                user, pk=pk)


def organization_units(*, user, organization: PartyOrganization) -> QuerySet[Establishment]:
    return scoping.scope_queryset(organization.units.all(), user).select_related("address", "community").order_by("name")


def _covered_q() -> Q:
    return Q(Exists(PartyOrganization.units.through.objects.filter(
        establishment_id=OuterRef("pk"), partyorganization__dissolved_on__isnull=True)))


def _target_units(user, node: Node | None) -> QuerySet[Establishment]:
    return _scoped(Establishment.objects.filter(kind__in=COVERED_KINDS), user, node)


def coverage_by_sector(*, user, node: Node | None = None) -> list[dict]:
    """Per sector of the covered unit kinds: units, covered units, rate (None without units); a total row last.

    One query."""
    rows = list(_target_units(user, node).annotate(covered=_covered_q()).values("sector")
                .annotate(units=Count("id"), covered_units=Count("id", filter=Q(covered=True))).order_by("sector"))
    labels = dict(Establishment.Sector.choices)
    result = [{"sector": r["sector"], "label": str(labels.get(r["sector"], r["sector"])), "units": r["units"],
               "covered": r["covered_units"], "rate": r["covered_units"] / r["units"] if r["units"] else None}
              for r in rows]
    units = sum(r["units"] for r in result)
    covered = sum(r["covered"] for r in result)
    result.append({"sector": "", "label": _("合计"), "units": units, "covered": covered,
                   "rate": covered / units if units else None})
    return result


def coverage_by_kind(*, user, node: Node | None = None) -> list[dict]:
    """The same by unit kind (物业服务企业, 企业, 社会组织): one query."""
    rows = list(_target_units(user, node).annotate(covered=_covered_q()).values("kind")
                .annotate(units=Count("id"), covered_units=Count("id", filter=Q(covered=True))).order_by("kind"))
    labels = dict(Establishment.Kind.choices)
    return [{"kind": r["kind"], "label": str(labels.get(r["kind"], r["kind"])), "units": r["units"],
             "covered": r["covered_units"], "rate": r["covered_units"] / r["units"] if r["units"] else None}
            for r in rows]


def vacuum_units(*, user, node: Node | None = None, sector: str = "", kind: str = "") -> QuerySet[Establishment]:
    """Units of the covered kinds that no active organization covers (真空区)."""
    qs = _target_units(user, node).exclude(_covered_q())
    if sector:
        qs = qs.filter(sector=sector)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("address", "community").order_by("community__path", "name", "id")


# --- joint meetings ------------------------------------------------------------------------------

def meeting_list(*, user, node: Node | None = None, status: str = "", year: int | None = None) -> QuerySet[JointMeeting]:
    qs = _scoped(JointMeeting.objects.all(), user, node)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(scheduled_on__year=year)
    return qs.select_related("community").annotate(
        unit_count=Count("attendance", distinct=True),
        open_resolutions=Count("resolutions", filter=Q(resolutions__status__in=["open", "in_progress"]), distinct=True),
    ).order_by("-scheduled_on", "-id")


def meeting_get(*, user, pk: int) -> JointMeeting:
    ensure_view(user)
    return scoping.get_in_scope(JointMeeting.objects.select_related("community", "convener"), user, pk=pk)


def meeting_detail(meeting: JointMeeting) -> dict:
    """Attendance, topics, resolutions with their follow-ups: four queries."""
    resolutions = list(meeting.resolutions.select_related("owner_unit").prefetch_related("followups"))
    return {
        "attendance": list(meeting.attendance.select_related("unit")),
        "topics": list(meeting.topics.select_related("raised_by")),
        "resolutions": resolutions,
    }


def _communities(user, node: Node | None) -> QuerySet[Node]:
    return _scoped(Node.objects.filter(level=Level.COMMUNITY), user, node).order_by("path")


def meeting_counts(*, user, year: int, node: Node | None = None, today: dt.date | None = None) -> list[dict]:
    """Every community in scope with its meetings held and scheduled in ``year`` and the policy's minimum:
    ``below`` when held < minimum. Three queries."""
    communities = list(_communities(user, node))
    counts = {r["community_id"]: r for r in JointMeeting.objects.filter(
        community_id__in=[c.pk for c in communities], scheduled_on__year=year).values("community_id").annotate(
        held=Count("id", filter=Q(status=JointMeeting.Status.HELD, held_on__year=year)),
        scheduled=Count("id", filter=Q(status=JointMeeting.Status.SCHEDULED))).order_by()}
    book = PolicyBook()
    rows = []
    for c in communities:
        minimum = book.for_node(c).min_joint_meetings
        held = counts.get(c.pk, {}).get("held", 0)
        rows.append({"community": c, "held": held, "scheduled": counts.get(c.pk, {}).get("scheduled", 0),
                     "minimum": minimum, "below": held < minimum})
    return rows


def resolution_list(*, user, node: Node | None = None, open_only: bool = False,
                    overdue_on: dt.date | None = None) -> QuerySet[Resolution]:
    qs = _scoped(Resolution.objects.all(), user, node, via="meeting__")
    if open_only or overdue_on:
        qs = qs.filter(status__in=[Resolution.Status.OPEN, Resolution.Status.IN_PROGRESS])
    if overdue_on:
        qs = qs.filter(due_on__lt=overdue_on)
    return qs.select_related("meeting__community", "owner_unit").order_by("due_on", "id")


def resolution_get(*, user, pk: int) -> Resolution:
    ensure_view(user)
    return _one(scoping.scope_queryset(Resolution.objects.select_related("meeting__community"), user, via="meeting__"), pk)


def _one(qs: QuerySet, pk: int):
    from shequ.core.errors import NotInScope

    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


# --- dual reporting ------------------------------------------------------------------------------

def registration_list(*, user, node: Node | None = None, kind: str = "", status: str = "active",
                      q: str = "") -> QuerySet[DualRegistration]:
    qs = _scoped(DualRegistration.objects.all(), user, node)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(Q(organization_name__contains=q.strip()) | Q(resident__name__contains=q.strip()))
    # The page's rows first, then their hours (each its own small sum) and residents (one more query):
    # joined and summed over every registration, the database hash-joined the whole registry first.
    hours = sum_per_row(ServiceRecord, key="registration", field="hours", status=ServiceRecord.Status.CONFIRMED)
    return (qs.select_related("community", "unit").prefetch_related("resident")
            .annotate(confirmed_hours=hours).order_by("-registered_on", "-id"))


def registration_get(*, user, pk: int) -> DualRegistration:
    ensure_view(user)
    return scoping.get_in_scope(DualRegistration.objects.select_related("community", "resident", "unit"), user, pk=pk)


def registration_services(registration: DualRegistration) -> QuerySet[ServiceRecord]:
    return registration.services.select_related("confirmed_by").order_by("-served_on", "-id")


def service_get(*, user, pk: int) -> ServiceRecord:
    ensure_view(user)
    return _one(scoping.scope_queryset(ServiceRecord.objects.select_related("registration"), user, via="registration__"), pk)


def pending_services(*, user, node: Node | None = None) -> QuerySet[ServiceRecord]:
    return _scoped(ServiceRecord.objects.filter(status=ServiceRecord.Status.PENDING), user, node, via="registration__") \
        .select_related("registration__resident", "registration__community").order_by("served_on", "id")


def idle_registration_ids(*, user, today: dt.date, node: Node | None = None) -> list[int]:
    """The ids of the active registrations with no confirmed service in the last N months (N from the
    community's policy), registered at least N months ago, newest first. Plain columns only (a
    district holds tens of thousands of registrations): three queries, whatever their number."""
    book = PolicyBook()
    rows = list(registration_list(user=user, node=node).annotate(last_served=_last_confirmed())
                .values_list("pk", "community_id", "registered_on", "last_served"))
    communities = {n.pk: n for n in Node.objects.filter(pk__in={row[1] for row in rows}).only("id", "path")}
    since_by_community: dict[int | None, dt.date] = {}
    idle = []
    for pk, community_id, registered_on, last_served in rows:
        since = since_by_community.get(community_id)
        if since is None:
            since = since_by_community[community_id] = months_before(
                today, book.for_node(communities.get(community_id)).idle_months)
        if registered_on <= since and (last_served is None or last_served < since):
            idle.append(pk)
    return idle


def idle_registrations(*, user, today: dt.date, node: Node | None = None,
                       ids: list[int] | None = None) -> list[DualRegistration]:
    """The idle registrations (``idle_registration_ids``) themselves, newest first: all of them, or
    those of ``ids`` (a page of them)."""
    wanted = idle_registration_ids(user=user, today=today, node=node) if ids is None else ids
    if not wanted:
        return []
    rows = registration_list(user=user, node=node).annotate(last_served=_last_confirmed())
    if len(wanted) <= 500:  # a page: read just those (a list of keys well within every database's limits)
        rows = rows.filter(pk__in=wanted)
    keep = set(wanted)
    return [r for r in rows if r.pk in keep]


def _last_confirmed():
    from django.db.models import Max

    return Max("services__served_on", filter=Q(services__status=ServiceRecord.Status.CONFIRMED))


def expected_list(*, user, node: Node | None = None) -> QuerySet[ExpectedRegistrant]:
    # Two EXISTS, not one over an OR: PostgreSQL answers each from one hashed pass over the
    # registrations instead of a lookup per roster line (8,693 lines: 0.26 s -> 0.01 s).
    member = DualRegistration.objects.filter(kind=DualRegistration.Kind.MEMBER, resident_id=OuterRef("resident_id"),
                                             resident_id__isnull=False)
    organization = DualRegistration.objects.filter(kind=DualRegistration.Kind.ORGANIZATION,
                                                   community_id=OuterRef("community_id"),
                                                   organization_name=OuterRef("name"))
    registered = ExpressionWrapper(Exists(member) | Exists(organization), output_field=BooleanField())
    return _scoped(ExpectedRegistrant.objects.all(), user, node).annotate(registered=registered) \
        .select_related("community").prefetch_related("resident").order_by("community__path", "kind", "name", "id")


def unregistered_expected(*, user, node: Node | None = None) -> QuerySet[ExpectedRegistrant]:
    """Roster lines nobody registered for (应报到未报到)."""
    return expected_list(user=user, node=node).filter(registered=False)


# --- central households --------------------------------------------------------------------------

def central_list(*, user, node: Node | None = None) -> QuerySet[CentralHousehold]:
    return _scoped(CentralHousehold.objects.all(), user, node).select_related(
        "household__house__address", "member", "building", "community").annotate(
        served_count=Count("served")).order_by("community__path", "building__path", "id")


def central_get(*, user, pk: int) -> CentralHousehold:
    ensure_view(user)
    return scoping.get_in_scope(CentralHousehold.objects.select_related("household__house__address", "member", "building"),
                                user, pk=pk)


def central_served(*, user, center: CentralHousehold) -> QuerySet[Household]:
    return scoping.scope_queryset(center.served.all(), user).select_related("house__address", "head").order_by("number")


def building_party_members(*, user, building: Node) -> QuerySet[Resident]:
    """Active residents tagged party member (党员) living in ``building``: from the registry, never copied."""
    return _scoped(Resident.objects.filter(tags__code=PARTY_MEMBER_TAG, status=Resident.Status.ACTIVE,
                                           household__isnull=False), user, building) \
        .select_related("household").order_by("household__number", "id")


def building_households(*, user, building: Node) -> QuerySet[Household]:
    return _scoped(Household.objects.all(), user, building).select_related("house__address", "head").order_by("number")


def building_keys(*, user, node: Node | None = None) -> tuple[list[int], dict, dict]:
    """The buildings in scope that have party members or a central household, in tree order, with
    their counts: ``(keys, members, centers)``, ``members[pk]`` the active party members living
    there (from the registry), ``centers[pk]`` its central households and the households they serve.
    Two grouped counts, each group with its building's tree path (sorting thousands of keys by a
    query of their own, an ``IN`` list of every building, took longer than both counts)."""
    paths, members = {}, defaultdict(int)
    party_members = Resident.objects.filter(tags__code=PARTY_MEMBER_TAG, status=Resident.Status.ACTIVE,
                                            building__isnull=False)
    for r in _scoped(party_members, user, node).values("building_id", "building__path").annotate(
            n=Count("id")).order_by():
        members[r["building_id"]] = r["n"]
        paths[r["building_id"]] = r["building__path"]
    centers = defaultdict(lambda: [0, 0])
    for r in _scoped(CentralHousehold.objects.all(), user, node).values("building_id", "building__path").annotate(
            n=Count("id", distinct=True), s=Count("served")).order_by():
        centers[r["building_id"]] = [r["n"], r["s"]]
        paths[r["building_id"]] = r["building__path"]
    return sorted(paths, key=paths.__getitem__), members, centers


def building_rows(keys: list[int], members: dict, centers: dict) -> list[dict]:
    """One row per building of ``keys`` (a page of ``building_keys``), in that order."""
    # Without the boundaries (polygons, never shown here).
    nodes = {n.pk: n for n in Node.objects.filter(pk__in=keys).select_related("community", "grid").defer(
        "boundary", "community__boundary", "grid__boundary")}
    return [{"building": nodes[pk], "members": members.get(pk, 0), "centers": centers[pk][0] if pk in centers else 0,
             "served": centers[pk][1] if pk in centers else 0} for pk in keys if pk in nodes]
