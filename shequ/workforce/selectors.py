"""Scoped reads of workers, candidates, funds and facilities. Every read starts from
``scoping.scope_queryset``: a community worker sees its community's, a street its street's, the
district office, the organization department and leaders their district's; missing and foreign
records are both 404. ``cadre_coefficient`` reads the star rating (shequ.stars) when it is installed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from shequ.core.errors import NotAllowed
from shequ.core.idcard import mask_id_number, mask_phone
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from .models import Assessment, Candidate, Facility, Funding, ReviewFinding, Spending, Training, Worker
from . import stats
from .stats import MONEY


def _require(user, *actions: str) -> None:
    if not any(scoping.can(user, a) for a in actions):
        from django.utils.translation import gettext as _

        raise NotAllowed(_("您的角色无权执行此操作"))


def worker_list(*, user, community: int | None = None, node: Node | None = None, position: str = "",
                education: str = "", certificate: str = "", status: str = "active", q: str = "") -> QuerySet[Worker]:
    _require(user, "workforce.view")
    qs = scoping.scope_queryset(Worker.objects.all(), user)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if community:
        qs = qs.filter(community_id=community)
    for field, value in (("position", position), ("education", education), ("certificate", certificate),
                         ("status", status)):
        if value:
            qs = qs.filter(**{field: value})
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return qs.select_related("community", "street").order_by("community__path", "name", "id")


def worker_get(*, user, pk: int) -> Worker:
    _require(user, "workforce.view")
    return scoping.get_in_scope(
        Worker.objects.select_related("community", "street").prefetch_related(
            Prefetch("trainings", queryset=Training.objects.order_by("-start_on", "-id")),
            Prefetch("assessments", queryset=Assessment.objects.select_related("assessed_by").order_by("-year"))),
        user, pk=pk)


def masked_personal(worker) -> dict[str, str]:
    """The masked ID number and phone every page, API answer and export shows by default."""
    return {"id_number": mask_id_number(getattr(worker, "id_number", "")), "phone": mask_phone(getattr(worker, "phone", ""))}


def community_choices(*, user) -> list[tuple[int, str]]:
    """Communities and villages of the user's area as (id, "街道 · 社区"), in tree order."""
    qs = scoping.visible_nodes(user).filter(level=Level.COMMUNITY).select_related("street").order_by("path")
    return [(n.pk, f"{n.street.name if n.street else ''} · {n.name}") for n in qs[:2000]]


def communities_under(*, user, node: Node | None = None) -> QuerySet[Node]:
    qs = scoping.visible_nodes(user).filter(level=Level.COMMUNITY)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    return qs.select_related("street").order_by("path")


def assessment_sheet(*, user, year: int, node: Node | None = None) -> list[dict]:
    """The yearly assessment sheet: every worker in post in December of ``year`` with their grade
    (or none yet) and their community's star-rating coefficient (``cadre_coefficient``)."""
    workers = list(worker_list(user=user, node=node, status="").filter(
        Q(status=Worker.Status.ACTIVE) | Q(left_on__gte=dt.date(year, 12, 1))).prefetch_related(
        Prefetch("assessments", queryset=Assessment.objects.filter(year=year), to_attr="this_year"))[:2000])
    coefficients = cadre_coefficients({w.community_id for w in workers}, year)
    return [{"worker": w, "assessment": w.this_year[0] if w.this_year else None, "stars": coefficients[w.community_id]}
            for w in workers]


def cadre_coefficient(community_id: int, year: int) -> dict:
    """The star-rating performance-pay coefficient of a community (shequ.stars), guarded:
    ``{"available": True, "grade", "stars", "coefficient"}``, ``{"available": True, "rated": False}`` when
    the community has no rating that year, or ``{"available": False}`` when shequ.stars is not installed."""
    if not apps.is_installed("shequ.stars"):
        return {"available": False}
    try:
        from shequ.stars.cadre import cadre_coefficient as stars_coefficient
    except ImportError:
        return {"available": False}
    return _shown(stars_coefficient(community_id, year))


def cadre_coefficients(community_ids, year: int) -> dict[int, dict]:
    """``cadre_coefficient`` of many communities (id -> result) in a few queries, where shequ.stars
    offers it; else one community at a time."""
    ids = set(community_ids)
    if not apps.is_installed("shequ.stars"):
        return {pk: {"available": False} for pk in ids}
    try:
        from shequ.stars.cadre import cadre_coefficients as stars_coefficients
    except ImportError:
        return {pk: cadre_coefficient(pk, year) for pk in ids}
    return {pk: _shown(result) for pk, result in stars_coefficients(ids, year).items()}


def _shown(result: dict | None) -> dict:
    if result is None:
        return {"available": True, "rated": False}
    return {"available": True, "rated": True, "grade": result.get("grade"), "stars": result.get("stars"),
            "coefficient": result.get("coefficient")}


#: Community rows shown on the overview (totals always cover the whole area).
OVERVIEW_ROWS = 2000


def _roots(user, node: Node | None) -> list[Node]:
    """The nodes whose totals make the overview: ``node``, else the user's bound nodes (all cities
    for a system admin), without a node that lies under another of them."""
    if node is not None:
        return [node]
    nodes = list(Node.objects.filter(level=Level.CITY)) if scoping.is_global(user) else scoping.bound_nodes(user)
    ids = {n.pk for n in nodes}
    return [n for n in nodes if not (set(n.ancestor_path_ids) - {n.pk}) & ids]


def workforce_overview(*, user, node=None, start=None, end=None) -> dict:
    """Totals over the communities of the user's area (or under ``node``), one row per community (the
    first ``OVERVIEW_ROWS`` in tree order) and the age and education structure: for the API and the
    overview page. A few grouped queries whatever the size of the area."""
    _require(user, "workforce.view")
    end = end or timezone.localdate()
    start = start or end.replace(month=1, day=1)
    communities = list(communities_under(user=user, node=node)[:OVERVIEW_ROWS])
    per = stats.node_figures(communities, start, end)
    rows = [{"community_id": c.pk, "community": c.name, "street": c.street.name if c.street_id else "", "node": c,
             **per[c.pk], "meets_area_standard": bool(per[c.pk]["communities_meeting_standard"])} for c in communities]
    roots = _roots(user, node)
    totals = stats.node_figures(roots, start, end).values() if roots else []

    def total(key):
        return sum(t[key] for t in totals)

    n, workers, households, paid = total("communities"), total("workers"), total("households"), total("workers_with_pay")
    pay_total, standard_total = total("pay_total"), total("standard_total")
    funds = total("funds")
    qs = stats.active_workers(end).filter(pk__in=worker_list(user=user, node=node, status="").values("pk"))
    structure = stats.structure(qs, end)
    return {
        "start": start, "end": end, "communities": n, "workers": workers, "households": households,
        "workers_per_community": round(workers / n, 1) if n else None,
        "households_per_worker": round(households / workers, 1) if workers else None,
        "avg_pay": round(pay_total / paid, 2) if paid else None,
        "pay_to_standard": round(pay_total / standard_total, 3) if standard_total else None,
        "workers_under_standard": total("workers_under_standard"),
        "certified_share": round(total("certified") / workers, 4) if workers else None,
        "facility_coverage": round(total("communities_meeting_standard") / n, 4) if n else None,
        "funds": funds, "funds_per_community": round(funds / n, 2) if n else None, "spent": total("spent"),
        "age": structure["age"], "education": structure["education"], "structure": structure, "rows": rows,
        "rows_capped": len(communities) == OVERVIEW_ROWS,
    }


# --- candidates ------------------------------------------------------------------------------------

def _candidates(user) -> QuerySet[Candidate]:
    _require(user, "workforce.view", "workforce.review")
    return scoping.scope_queryset(Candidate.objects.all(), user)


def candidate_list(*, user, year: int | None = None, overall: str = "", q: str = "") -> QuerySet[Candidate]:
    qs = _candidates(user)
    if year:
        qs = qs.filter(year=year)
    if overall:
        qs = qs.filter(overall=overall)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return (qs.select_related("community", "street").prefetch_related("findings")
            .order_by("-year", "community__path", "name", "id"))


def candidate_get(*, user, pk: int) -> Candidate:
    return scoping.get_in_scope(
        _candidates(user).select_related("community", "street", "created_by").prefetch_related(
            Prefetch("findings", queryset=ReviewFinding.objects.select_related("reviewer"))),
        user, pk=pk)


# --- funds and facilities -------------------------------------------------------------------------

def funding_list(*, user, year: int | None = None, kind: str = "", community: int | None = None) -> QuerySet[Funding]:
    _require(user, "workforce.view")
    qs = scoping.scope_queryset(Funding.objects.all(), user)
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    if community:
        qs = qs.filter(community_id=community)
    return (qs.select_related("community", "street")
            .annotate(spent=Coalesce(Sum("spendings__amount"), Decimal("0"), output_field=MONEY))
            .order_by("-allocated_on", "-id"))


def funding_get(*, user, pk: int) -> Funding:
    _require(user, "workforce.view")
    return scoping.get_in_scope(
        Funding.objects.select_related("community", "street").prefetch_related(
            Prefetch("spendings", queryset=Spending.objects.select_related("created_by").order_by("-spent_on", "-id"))),
        user, pk=pk)


def facility_list(*, user) -> QuerySet[Facility]:
    _require(user, "workforce.view")
    return scoping.scope_queryset(Facility.objects.all(), user).select_related("community")
