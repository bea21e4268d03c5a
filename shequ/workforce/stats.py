"""Figures per node: workers, households per worker, pay against the standard, qualifications,
facility coverage, funds — for the overview page, the API and ``indicators.py``.

Every figure for any list of nodes (communities or above) is a few grouped queries in all, one
per level present among the nodes (``GROUP BY <level>_id``), never one per community. The pay
standard and the area standard come from each community's district (``models.PolicyBook``), as
``CASE`` expressions over the district column. docs/workforce.md writes the formulas down.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from shequ.jurisdiction.models import SCOPE_LEVELS, Level, Node
from shequ.registry.models import Household

from .models import (
    AGE_BANDS, COLLEGE_AND_ABOVE, DEFAULTS, Certificate, Education, Facility, FundKind, Funding, PolicyBook, Spending,
    Worker,
)

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _by_district(book: PolicyBook, districts: set[int], attribute: str):
    """A CASE over ``district_id`` giving each district's policy value (``pay_standard`` or ``centre_area_standard``)."""
    default = getattr(book.for_node(None), attribute)
    whens = []
    for district in Node.objects.filter(pk__in=districts).only("id", "city_id", "district_id"):
        value = getattr(book.for_node(district), attribute)
        if value != default:
            whens.append(When(district_id=district.pk, then=Value(value)))
    if not whens:
        return Value(default, output_field=MONEY)
    return Case(*whens, default=Value(default), output_field=MONEY)


def active_workers(day: dt.date) -> QuerySet[Worker]:
    """Workers in post on ``day``: hired by then (or date unknown) and not left before it."""
    return Worker.objects.filter(Q(hired_on__isnull=True) | Q(hired_on__lte=day)).filter(
        Q(status=Worker.Status.ACTIVE) | Q(left_on__gt=day))


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def _ratio(a, b, digits: int = 1):
    return round(float(a) / float(b), digits) if b else None


def node_figures(nodes: list[Node], start: dt.date, end: dt.date) -> dict[int, dict]:
    """Figures of the communities under each node (a community: itself) for the period [start, end].

    Workers and their pay are those in post on ``end``; households are the registry's now; funds
    and spending those dated in the period.
    """
    book = PolicyBook()
    by_level: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        if node.level in SCOPE_LEVELS and node.level != Level.COMPOUND:
            by_level[node.level].append(node.pk)
    raw: dict[int, dict] = {node.pk: defaultdict(lambda: 0) for node in nodes}
    districts = {n.district_id for n in nodes if n.district_id} | set(
        Node.objects.filter(level=Level.DISTRICT, city_id__in=[n.pk for n in nodes if n.level == Level.CITY])
        .values_list("pk", flat=True))
    pay_standard = _by_district(book, districts, "pay_standard")
    area_standard = _by_district(book, districts, "centre_area_standard")
    for level, ids in by_level.items():
        col = f"{level}_id"
        f = {f"{col}__in": ids}
        for row in Node.objects.filter(level=Level.COMMUNITY, **f).values(col).annotate(n=Count("id")).order_by():
            raw[row[col]]["communities"] = row["n"]
        for row in Household.objects.filter(**f).values(col).annotate(n=Count("id")).order_by():
            raw[row[col]]["households"] = row["n"]
        workers = (active_workers(end).filter(**f).values(col).order_by().annotate(
            n=Count("id"), pay=Coalesce(Sum("monthly_pay"), Value(Decimal("0")), output_field=MONEY),
            paid=Count("id", filter=Q(monthly_pay__gt=0)),
            pay_paid=Coalesce(Sum("monthly_pay", filter=Q(monthly_pay__gt=0)), Value(Decimal("0")), output_field=MONEY),
            standard=Coalesce(Sum(pay_standard, filter=Q(monthly_pay__gt=0)), Value(Decimal("0")), output_field=MONEY),
            under=Count("id", filter=Q(monthly_pay__gt=0, monthly_pay__lt=pay_standard)),
            certified=Count("id", filter=~Q(certificate=Certificate.NONE)),
            college=Count("id", filter=Q(education__in=COLLEGE_AND_ABOVE)),
            insured=Count("id", filter=Q(pension_insured=True, medical_insured=True))))
        for row in workers:
            raw[row[col]].update({k: row[k] for k in ("n", "pay_paid", "paid", "standard", "under", "certified",
                                                      "college", "insured")})
        for row in (Facility.objects.filter(**f, community__level=Level.COMMUNITY).values(col).order_by()
                    .annotate(with_centre=Count("id"), meeting=Count("id", filter=Q(area__gte=area_standard)),
                              area=Sum("area"))):
            raw[row[col]].update(with_centre=row["with_centre"], meeting=row["meeting"], area=row["area"])
        for row in (Funding.objects.filter(**f, allocated_on__gte=start, allocated_on__lte=end).values(col, "kind")
                    .order_by().annotate(total=Sum("amount"))):
            raw[row[col]][f"fund_{row['kind']}"] = row["total"]
            raw[row[col]]["funds"] += row["total"]
        for row in (Spending.objects.filter(**f, spent_on__gte=start, spent_on__lte=end).values(col).order_by()
                    .annotate(total=Sum("amount"))):
            raw[row[col]]["spent"] = row["total"]
    result = {}
    for node in nodes:
        r = raw[node.pk]
        communities = r["communities"]
        workers = r["n"]
        policy = book.for_node(node) if node.district_id else DEFAULTS
        result[node.pk] = {
            "communities": communities,
            "households": r["households"],
            "workers": workers,
            "workers_per_community": _ratio(workers, communities),
            "households_per_worker": _ratio(r["households"], workers),
            "avg_pay": _ratio(r["pay_paid"], r["paid"], 2),
            "pay_standard": float(policy.pay_standard) if node.district_id else _ratio(r["standard"], r["paid"], 2),
            "pay_to_standard": _ratio(r["pay_paid"], r["standard"], 3),
            "workers_under_standard": r["under"],
            "pay_total": float(r["pay_paid"]),
            "standard_total": float(r["standard"]),
            "workers_with_pay": r["paid"],
            "certified": r["certified"],
            "certified_share": _share(r["certified"], workers),
            "college_share": _share(r["college"], workers),
            "insured_share": _share(r["insured"], workers),
            "communities_with_centre": r["with_centre"],
            "communities_meeting_standard": r["meeting"],
            "centre_area": float(r["area"]) if r["area"] else None,
            "centre_area_standard": float(policy.centre_area_standard),
            "facility_coverage": _share(r["meeting"], communities),
            "funds": float(r["funds"]),
            "funds_by_kind": {kind: float(r[f"fund_{kind}"]) for kind in FundKind.values},
            "funds_per_community": _ratio(r["funds"], communities, 2),
            "spent": float(r["spent"]),
            "max_households_per_worker": policy.max_households_per_worker,
            "min_facility_coverage": float(policy.min_facility_coverage),
        }
    return result


def structure(workers: QuerySet[Worker], day: dt.date) -> dict[str, list[dict]]:
    """Age bands, education levels, positions and qualifications of ``workers`` (already scoped and
    filtered): rows of ``{"label", "count", "share"}`` for the charts, in two grouped queries."""
    total = 0
    ages = [0] * len(AGE_BANDS)
    unknown_age = 0
    for birth, n in workers.order_by().values_list("birth_date").annotate(n=Count("id")):
        total += n
        if birth is None:
            unknown_age += n
            continue
        age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        for i, (_label, low, high) in enumerate(AGE_BANDS):
            if low <= age <= high:
                ages[i] += n
                break
    counts = {"education": defaultdict(int), "certificate": defaultdict(int), "position": defaultdict(int)}
    for education, certificate, position, n in (workers.order_by().values_list("education", "certificate", "position")
                                                .annotate(n=Count("id"))):
        counts["education"][education] += n
        counts["certificate"][certificate] += n
        counts["position"][position] += n

    def rows(pairs):
        return [{"label": str(label), "count": n, "share": _share(n, total)} for label, n in pairs]

    from .models import Position

    return {
        "total": total,
        "age": rows([(label, ages[i]) for i, (label, _l, _h) in enumerate(AGE_BANDS)]),
        "age_unknown": unknown_age,
        "education": rows([(label, counts["education"][value]) for value, label in Education.choices]),
        "certificate": rows([(label, counts["certificate"][value]) for value, label in Certificate.choices]),
        "position": rows([(label, counts["position"][value]) for value, label in Position.choices]),
    }
