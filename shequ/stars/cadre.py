"""What the star rating gives the cadres' yearly assessment (SPEC M3: the result feeds community
cadres' yearly assessment and performance pay). Called by the workforce module; a plain function
with no user and no scope: the caller decides who may see it."""
from __future__ import annotations

import datetime as dt

from django.db.models import Q

from . import rules
from .models import Rating, StarCycle


def cadre_coefficient(community_node_id: int, year: int) -> dict | None:
    """The grade, star count and performance-pay coefficient of a community's party organization
    for ``year``: ``{"grade": "good"|"fair"|"average"|"poor", "grade_label": "好", "stars": 8,
    "coefficient": Decimal("1.20")}``, or None when that year's rating has not been awarded.

    The stars are those held under that year's cycle on 31 December of the year (or on the day of
    the award, when the city committee approved it later), after quarterly removals and additions.
    The coefficient per grade is the cycle's (admin-edited; defaults 1.20 / 1.10 / 1.00 / 0.80).
    """
    return cadre_coefficients([community_node_id], year)[community_node_id]


def cadre_coefficients(community_node_ids, year: int) -> dict[int, dict | None]:
    """``cadre_coefficient`` of many communities at once (community node id -> its result): a few
    queries whatever their number (the yearly assessment sheet of a district lists hundreds)."""
    from .selectors import standing
    from .services import local_day

    found: dict[int, dict | None] = dict.fromkeys(community_node_ids)
    cycle = StarCycle.objects.filter(year=year).first() if found else None
    if cycle is None:
        return found
    by_day: dict[dt.date, list[Rating]] = {}
    for rating in Rating.objects.filter(cycle=cycle, organization_id__in=list(found), approved_at__isnull=False):
        by_day.setdefault(max(dt.date(year, 12, 31), local_day(rating.approved_at)), []).append(rating)
    for on, ratings in by_day.items():
        held = standing(on=on, ratings=Q(pk__in=[r.pk for r in ratings]), cycle_id=cycle.pk)
        for rating in ratings:
            standing_now = held.get(rating.organization_id)
            stars = standing_now.count if standing_now else 0
            grade = rules.grade_of(stars, cycle.thresholds)
            found[rating.organization_id] = {"grade": grade, "grade_label": rules.grade_label(grade), "stars": stars,
                                             "coefficient": cycle.thresholds.coefficient(grade)}
    return found
