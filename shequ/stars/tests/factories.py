"""Test data for the star rating: organization-department users with one step each, residents of
communities A and B, a cycle, and helpers that run a rating through its steps with a fixed clock."""
from __future__ import annotations

import datetime as dt

from shequ.stars import services
from shequ.stars.models import Rating, Star

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
#: Thursday 2026-11-26 10:00 in Shanghai, inside the 2026 mass assessment (1–30 November).
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
ALL = ("organization", "team", "service", "democracy", "development", "environment", "ethnic_unity",
       "religious_harmony", "civility", "safety")


def add_users(world) -> None:
    """``org_review`` (may review), ``org_approve`` (may approve), ``org_plain`` (neither), all of the
    organization department bound to the district; ``org_city`` bound to the city with both;
    ``street_s2`` (township S2); residents ``resident_a2`` (A102) and ``resident_b`` (B101)."""
    from django.contrib.auth.models import Permission

    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.core.testing import PASSWORD

    admin, n = world.users["admin"], world.nodes
    review = Permission.objects.get(codename="review_rating", content_type__app_label="stars")
    approve = Permission.objects.get(codename="approve_rating", content_type__app_label="stars")
    for name, node, perms in (("org_review", n["district"], [review]), ("org_approve", n["district"], [approve]),
                              ("org_plain", n["district"], []), ("org_city", n["city"], [review, approve])):
        user = user_create(actor=admin, username=name, password=PASSWORD, role=Role.ORGANIZATION, nodes=[node])
        user.user_permissions.add(*perms)
        world.users[name] = user
    world.users["street_s2"] = user_create(actor=admin, username="street_s2", password=PASSWORD,
                                           role=Role.STREET_STAFF, nodes=[n["S2"]])
    world.users["resident_a2"] = user_create(actor=admin, username="resident_a2", password=PASSWORD, role=Role.RESIDENT,
                                             resident=world.residents["A102h"])
    world.users["resident_b"] = user_create(actor=admin, username="resident_b", password=PASSWORD, role=Role.RESIDENT,
                                            resident=world.residents["B101h"])


def make_cycle(world, year: int = 2026, **kwargs):
    kwargs.setdefault("mass_start", dt.date(year, 11, 1))
    kwargs.setdefault("mass_end", dt.date(year, 11, 30))
    return services.cycle_create(actor=world.users["admin"], year=year, now=NOW, **kwargs)


def rating_of(world, cycle, key: str = "A") -> Rating:
    return Rating.objects.get(cycle=cycle, organization=world.nodes[key])


def star(cycle, code: str) -> Star:
    return cycle.stars.get(code=code)


def scores(cycle, passing=ALL, fraction=1.0) -> dict:
    """Item points: full (× ``fraction``) for the stars in ``passing``, half for the others."""
    return {s.pk: {i.pk: (i.points * fraction if s.code in passing else i.points / 2) for i in s.items.all()}
            for s in cycle.stars.prefetch_related("items")}


def award(world, cycle, key: str = "A", passing=ALL, now: dt.datetime = NOW, street: str | None = None) -> Rating:
    """Assess (the ``passing`` stars proposed), review and approve a rating: it is then in publicity."""
    rating = rating_of(world, cycle, key)
    street = street or ("street_s2" if key == "C" else "street_s1")
    services.township_assess(actor=world.users[street], rating_id=rating.pk, scores=scores(cycle, passing), now=now)
    services.rating_review(actor=world.users["org_review"], rating_id=rating.pk, now=now + dt.timedelta(hours=1))
    return services.rating_approve(actor=world.users["org_approve"], rating_id=rating.pk, now=now + dt.timedelta(hours=2))


def vote_all(world, cycle, user: str = "resident_a", answer: str = "satisfied", now: dt.datetime = NOW):
    return services.mass_vote(actor=world.users[user], cycle_id=cycle.pk,
                              answers={s.pk: answer for s in cycle.stars.all()}, now=now)
