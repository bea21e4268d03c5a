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
    from .selectors import standing
    from .services import local_day

    cycle = StarCycle.objects.filter(year=year).first()
    if cycle is None:
        return None
    rating = Rating.objects.filter(cycle=cycle, organization_id=community_node_id, approved_at__isnull=False).first()
    if rating is None:
        return None
    on = max(dt.date(year, 12, 31), local_day(rating.approved_at))
    found = standing(on=on, ratings=Q(pk=rating.pk), cycle_id=cycle.pk).get(community_node_id)
    stars = found.count if found else 0
    grade = rules.grade_of(stars, cycle.thresholds)
    return {"grade": grade, "grade_label": rules.grade_label(grade), "stars": stars,
            "coefficient": cycle.thresholds.coefficient(grade)}
