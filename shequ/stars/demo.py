"""Demo star ratings for the demo district (``shequ demo`` calls ``load_stars_demo`` once).

Deterministic (``random.Random(seed)``): the 2025 cycle is complete — every community and village
assessed, reviewed, approved and displayed, then a few quarterly removals and one addition in
2026 — and this year's cycle is under way: the mass assessment is open (the demo resident has
voted), the first street's communities are assessed and one is reviewed. The organization
department's demo login ``orgdept`` gets both the review and the approval permission.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import Role, User

from . import services
from .models import Rating, StarCycle

SHANGHAI = services.SHANGHAI
FIRST_YEAR = 2025


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _cycle(admin, year: int, start: dt.date, end: dt.date) -> StarCycle:
    cycle = StarCycle.objects.filter(year=year).first()
    if cycle is None:
        return services.cycle_create(actor=admin, year=year, mass_start=start, mass_end=end, now=_at(start))
    services.ratings_open(actor=admin, cycle_id=cycle.pk)
    return cycle


def _scores(rng: random.Random, cycle: StarCycle, quality: float) -> dict:
    result = {}
    for star in cycle.stars.prefetch_related("items"):
        bias = rng.uniform(-0.12, 0.10)
        result[star.pk] = {item.pk: Decimal(round(item.points * max(0.0, min(1.0, quality + bias)) * 2)) / 2
                           for item in star.items.all()}
    return result


@transaction.atomic
def load_stars_demo(*, seed: int = 20250630, out=lambda msg: None) -> dict:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return {}
    rng = random.Random(seed)
    org = User.objects.filter(username="orgdept", role=Role.ORGANIZATION).first()
    if org is not None:
        org.user_permissions.add(*Permission.objects.filter(content_type__app_label="stars",
                                                            codename__in=["review_rating", "approve_rating"]))
    done = _cycle(admin, FIRST_YEAR, dt.date(FIRST_YEAR, 10, 1), dt.date(FIRST_YEAR, 10, 31))
    ratings = list(Rating.objects.filter(cycle=done, status=Rating.Status.MASS).select_related("organization")
                   .order_by("organization__path"))
    for rating in ratings:
        quality = rng.uniform(0.74, 1.0)
        services.township_assess(actor=admin, rating_id=rating.pk, scores=_scores(rng, done, quality),
                                 note="台账齐全,现场查看", now=_at(dt.date(FIRST_YEAR, 11, 10)))
        services.rating_review(actor=admin, rating_id=rating.pk, now=_at(dt.date(FIRST_YEAR, 11, 20)))
        services.rating_approve(actor=admin, rating_id=rating.pk, now=_at(dt.date(FIRST_YEAR, 12, 1)))
        services.rating_publish(actor=admin, rating_id=rating.pk, now=_at(dt.date(FIRST_YEAR, 12, 10)))
    changes = 0
    for i, rating in enumerate(ratings):  # quarterly checks of 2026: a removal in every third, one addition
        held = sorted(services.held_now(rating, dt.date(FIRST_YEAR + 1, 3, 1)))
        if held and i % 3 == 1:
            services.star_remove(actor=admin, rating_id=rating.pk, star_id=rng.choice(held), reason="季度核查未达标准",
                                 evidence="乡镇党委第一季度核查记录", now=_at(dt.date(FIRST_YEAR + 1, 3, 20)))
            changes += 1
    if ratings:
        first = ratings[0]
        missing = sorted({s.pk for s in done.stars.all()} - services.held_now(first, dt.date(FIRST_YEAR + 1, 5, 1)))
        if missing:
            change = services.star_add_propose(actor=admin, rating_id=first.pk, star_id=missing[0], reason="整改达标",
                                               evidence="验收报告", now=_at(dt.date(FIRST_YEAR + 1, 5, 10)))
            services.star_change_decide(actor=admin, change_id=change.pk, approve=True, note="同意",
                                        now=_at(dt.date(FIRST_YEAR + 1, 5, 20)))
            changes += 1
    today = services.local_day(timezone.now())
    current = None
    if today.year > FIRST_YEAR:
        start = min(today, dt.date(today.year, 10, 1))
        end = min(dt.date(today.year, 12, 31), max(today + dt.timedelta(days=14), dt.date(today.year, 11, 30)))
        current = _cycle(admin, today.year, start, end)
        resident = User.objects.filter(username="resident_a", role=Role.RESIDENT).first()
        if resident is not None and services.resident_community_id(resident):
            rating = Rating.objects.filter(cycle=current, organization_id=services.resident_community_id(resident)).first()
            if rating and rating.status == Rating.Status.MASS and not rating.votes.filter(voter=resident).exists():
                services.mass_vote(actor=resident, cycle_id=current.pk, now=timezone.now(),
                                   answers={s.pk: rng.choice(["satisfied", "satisfied", "basic"]) for s in current.stars.all()})
        pending = list(Rating.objects.filter(cycle=current, status=Rating.Status.MASS).select_related("organization")
                       .order_by("organization__path"))
        first_street = pending[0].street_id if pending else None
        for i, rating in enumerate(r for r in pending if r.street_id == first_street):
            services.township_assess(actor=admin, rating_id=rating.pk, now=timezone.now(),
                                     scores=_scores(rng, current, rng.uniform(0.74, 1.0)))
            if i == 1:
                services.rating_review(actor=admin, rating_id=rating.pk, now=timezone.now())
    summary = {"ratings": len(ratings), "changes": changes, "current": current.year if current else None}
    out(f"  star ratings: {len(ratings)} awarded in {FIRST_YEAR}, {changes} quarterly changes"
        + (f", {current.year} under way" if current else ""))
    return summary
