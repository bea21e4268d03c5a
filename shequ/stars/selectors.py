"""Scoped reads of the star rating. Every staff read starts from ``scoping.scope_queryset`` on
``Rating`` (located by its community's ancestor columns); related rows are reached through a
rating the user may see. A resident reaches only their own community's rating
(``services.resident_community_id``). The public board reads only non-personal columns.

``standing`` answers "how many stars, which grade, on this date" for many organizations in a
bounded number of queries: the stars held come from the effective ``StarChange`` rows up to the
date, under the latest cycle already awarded by then (``rules.held_on``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from shequ.accounts.models import Binding, Role
from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from . import rules
from .models import MassVote, Objection, Rating, RatingEvent, RatingStar, Star, StarChange, StarCycle
from .perms import may
from .services import resident_community_id


def _not_found():
    from django.utils.translation import gettext as _

    return NotInScope(_("记录不存在或不在您的辖区内"))


# --- cycles ------------------------------------------------------------------------------------

def cycle_list() -> QuerySet[StarCycle]:
    return StarCycle.objects.order_by("-year")


def cycle_get(*, pk: int | None = None, year: int | None = None) -> StarCycle:
    qs = StarCycle.objects.all()
    found = qs.filter(pk=pk).first() if pk is not None else qs.filter(year=year).first()
    if found is None:
        raise _not_found()
    return found


def current_cycle(today: dt.date) -> StarCycle | None:
    """This year's cycle, else the latest earlier one, else the earliest later one."""
    return (StarCycle.objects.filter(year__lte=today.year).order_by("-year").first()
            or StarCycle.objects.order_by("year").first())


#: The settings a new year starts from, taken from the latest year when there is one.
CYCLE_SETTINGS = ("publicity_days", "good_min", "fair_min", "average_min", "wuhao_min", "city_min", "region_min")


def _a_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def cycle_defaults(today: dt.date) -> dict:
    """What the form for a new rating year starts with: the year after the latest one, its mass
    assessment a year after the latest one's, and the latest one's thresholds; with no year yet,
    this year (the thresholds then are the form's own SPEC defaults)."""
    latest = StarCycle.objects.order_by("-year").first()
    if latest is None:
        return {"year": today.year}
    return {"year": latest.year + 1, "mass_start": _a_year_later(latest.mass_start),
            "mass_end": _a_year_later(latest.mass_end), **{k: getattr(latest, k) for k in CYCLE_SETTINGS}}


def cycle_stars(cycle: StarCycle) -> list[Star]:
    return list(cycle.stars.prefetch_related("items").order_by("order", "id"))


# --- ratings -----------------------------------------------------------------------------------

def _visible(user) -> QuerySet[Rating]:
    if not scoping.can(user, "stars.view"):
        return Rating.objects.none()
    return scoping.scope_queryset(Rating.objects.all(), user)


def rating_list(*, user, cycle: StarCycle, street: int | None = None, status: str = "", q: str = "",
                grade: str = "") -> QuerySet[Rating]:
    """The ratings of a cycle a user may see, in tree order, with open objections and pending
    additions counted. ``grade`` filters on the current star count."""
    qs = _visible(user).filter(cycle=cycle)
    if street:
        qs = qs.filter(street_id=street)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(organization__name__icontains=q.strip())
    if grade:
        t = cycle.thresholds
        bands = {rules.Grade.GOOD: Q(stars_held__gte=t.good_min),
                 rules.Grade.FAIR: Q(stars_held__gte=t.fair_min, stars_held__lt=t.good_min),
                 rules.Grade.AVERAGE: Q(stars_held__gte=t.average_min, stars_held__lt=t.fair_min),
                 rules.Grade.POOR: Q(stars_held__lt=t.average_min)}
        qs = qs.filter(bands.get(grade, Q()), status__in=[Rating.Status.PUBLICITY, Rating.Status.PUBLISHED])
    return (qs.select_related("organization", "street", "cycle")
            .annotate(open_objections=Count("objections", filter=Q(objections__answered_at__isnull=True), distinct=True),
                      pending_adds=Count("changes", filter=Q(changes__status=StarChange.Status.PENDING), distinct=True))
            .order_by("organization__path"))


def rating_get(*, user, pk: int) -> Rating:
    """One rating (404 when missing or outside the user's scope) with its star rows."""
    rows = RatingStar.objects.select_related("star").prefetch_related("star__items").order_by("star__order", "star_id")
    return scoping.get_in_scope(
        _visible(user).select_related("cycle", "organization", "street", "assessed_by", "reviewed_by", "approved_by")
        .prefetch_related(Prefetch("rows", queryset=rows)), user, pk=pk)


def rating_timeline(*, rating: Rating) -> QuerySet[RatingEvent]:
    return RatingEvent.objects.filter(rating=rating).order_by("at", "id")


def rating_history(*, rating: Rating) -> QuerySet[StarChange]:
    """Every star change of a rating, newest first (awards, removals, additions and refusals)."""
    return (StarChange.objects.filter(rating=rating).select_related("star", "proposed_by", "decided_by")
            .order_by("-proposed_at", "-id"))


def rating_objections(*, rating: Rating) -> QuerySet[Objection]:
    return Objection.objects.filter(rating=rating).select_related("star", "answered_by").order_by("filed_at", "id")


def pending_changes(*, user) -> QuerySet[StarChange]:
    """Proposed additional stars waiting for the city committee, in the user's scope."""
    return (scoping.scope_queryset(StarChange.objects.filter(status=StarChange.Status.PENDING), user, via="rating__")
            .select_related("rating__organization", "rating__cycle", "star", "proposed_by").order_by("proposed_at"))


def open_objections(*, user) -> QuerySet[Objection]:
    return (scoping.scope_queryset(Objection.objects.filter(answered_at__isnull=True), user, via="rating__")
            .select_related("rating__organization", "star").order_by("filed_at"))


# --- the resident's own community ---------------------------------------------------------------

def resident_rating(*, user, cycle: StarCycle) -> Rating | None:
    """The rating of the resident's own community in ``cycle`` (None when it has none)."""
    community_id = resident_community_id(user)
    if community_id is None:
        return None
    return Rating.objects.select_related("cycle", "organization").filter(cycle=cycle, organization_id=community_id).first()


def has_voted(*, user, rating: Rating) -> bool:
    return MassVote.objects.filter(rating=rating, voter=user).exists()


# --- the public board ---------------------------------------------------------------------------

def board_rating(*, community_id: int, cycle: StarCycle | None = None) -> Rating:
    """The rating a community's public board shows: in ``cycle`` or the latest awarded one.
    Only awarded ratings are public (404 otherwise)."""
    qs = Rating.objects.select_related("cycle", "organization", "street").filter(
        organization_id=community_id, status__in=[Rating.Status.PUBLICITY, Rating.Status.PUBLISHED])
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    found = qs.order_by("-cycle__year").first()
    if found is None:
        raise _not_found()
    return found


# --- standing on a date ---------------------------------------------------------------------------

@dataclass
class Standing:
    organization_id: int
    rating_id: int
    cycle_id: int
    year: int
    stars: frozenset[int]
    thresholds: rules.Thresholds
    gates: dict[int, str] = field(default_factory=dict)  # every star of the cycle -> its gate

    @property
    def count(self) -> int:
        return len(self.stars)

    @property
    def grade(self) -> str:
        return rules.grade_of(self.count, self.thresholds)

    @property
    def grade_label(self) -> str:
        return rules.grade_label(self.grade)

    @property
    def coefficient(self):
        return self.thresholds.coefficient(self.grade)

    def recommendations(self) -> list[rules.Recommendation]:
        return rules.recommendations(self.count, [self.gates.get(s, "") for s in self.stars], self.gates.values(),
                                     self.thresholds)


def standing(*, on: dt.date, ratings: Q = Q(), cycle_id: int | None = None) -> dict[int, Standing]:
    """organization id -> its ``Standing`` on ``on``, for the ratings matching ``ratings`` (a Q on
    Rating, e.g. ``Q(district_id=5)``): under ``cycle_id``, or else the latest cycle awarded by
    that date. Three queries whatever the number of organizations."""
    qs = StarChange.objects.filter(status=StarChange.Status.EFFECTIVE, effective_on__lte=on)
    qs = qs.filter(rating__in=Rating.objects.filter(ratings).values("pk"))
    if cycle_id is not None:
        qs = qs.filter(rating__cycle_id=cycle_id)
    rows = qs.values_list("rating__organization_id", "rating__cycle__year", "rating_id", "rating__cycle_id",
                          "star_id", "kind", "effective_on", "id")
    latest: dict[int, tuple[int, int, int]] = {}
    changes: dict[int, list] = {}
    for org, year, rating_id, cid, star_id, kind, eff, pk in rows.iterator(chunk_size=5000):
        if org not in latest or year > latest[org][0]:
            latest[org] = (year, rating_id, cid)
        changes.setdefault(rating_id, []).append((star_id, kind, eff, pk))
    cycles = {c.pk: c for c in StarCycle.objects.filter(pk__in={v[2] for v in latest.values()})}
    gates: dict[int, dict[int, str]] = {}
    for star_id, cid, gate in Star.objects.filter(cycle_id__in=cycles).values_list("pk", "cycle_id", "gate"):
        gates.setdefault(cid, {})[star_id] = gate
    return {org: Standing(org, rating_id, cid, year, frozenset(rules.held_on(changes[rating_id], on)),
                          cycles[cid].thresholds, gates.get(cid, {}))
            for org, (year, rating_id, cid) in latest.items()}


def standing_of(*, rating: Rating, on: dt.date) -> Standing:
    """A rating's own standing on a date (its cycle only; no stars before it was awarded)."""
    found = standing(on=on, ratings=Q(pk=rating.pk), cycle_id=rating.cycle_id).get(rating.organization_id)
    if found is None:
        gates = dict(Star.objects.filter(cycle_id=rating.cycle_id).values_list("pk", "gate"))
        return Standing(rating.organization_id, rating.pk, rating.cycle_id, rating.cycle.year, frozenset(),
                        rating.cycle.thresholds, gates)
    return found


# --- the city overview ------------------------------------------------------------------------------

@dataclass
class Overview:
    cycle: StarCycle
    on: dt.date
    rows: list[dict]  # one per rating in scope: rating, standing (None before the award)
    distribution: list[dict]  # grade, label, count, share
    eligibility: list[dict]  # key, label, organizations (eligible)
    excluded: list[dict]  # gate selections: organizations that may not take part
    awarded: int
    total: int
    average: float | None


def overview(*, user, cycle: StarCycle, on: dt.date, node: Node | None = None) -> Overview:
    """Grades on ``on`` of every rating of ``cycle`` under ``node`` (default: the user's scope),
    their distribution and the eligibility lists."""
    qs = _visible(user).filter(cycle=cycle)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    ratings = list(qs.select_related("organization", "street").order_by("organization__path"))
    pks = [r.pk for r in ratings]
    found = standing(on=on, ratings=Q(pk__in=qs.values("pk")), cycle_id=cycle.pk) if pks else {}
    rows = [{"rating": r, "standing": found.get(r.organization_id)} for r in ratings]
    counts = {g: 0 for g in rules.Grade.ORDER}
    awarded = [row for row in rows if row["standing"] is not None]
    for row in awarded:
        counts[row["standing"].grade] += 1
    n = len(awarded)
    distribution = [{"grade": g, "label": rules.grade_label(g), "count": counts[g],
                     "share": (counts[g] / n) if n else None} for g in rules.Grade.ORDER]
    lists: dict[str, dict] = {}
    excluded: dict[str, dict] = {}
    for row in awarded:
        for rec in row["standing"].recommendations():
            bucket = lists if rec.eligible else (excluded if rec.kind == "gate" else None)
            if bucket is None:
                continue
            bucket.setdefault(rec.key, {"key": rec.key, "label": rec.label, "kind": rec.kind, "rows": []})["rows"].append(row)
    order = ["region", "city", "wuhao", rules.Gate.DOUBLE_FIVE, rules.Gate.CIVILIZED, rules.Gate.SAFE]
    average = (sum(row["standing"].count for row in awarded) / n) if n else None
    return Overview(cycle=cycle, on=on, rows=rows, distribution=distribution,
                    eligibility=[lists[k] for k in order if k in lists],
                    excluded=[excluded[k] for k in order if k in excluded], awarded=n, total=len(rows), average=average)


def overview_nodes(*, user) -> list[Node]:
    """Districts and streets the user may narrow the overview to."""
    return list(scoping.visible_nodes(user).filter(level__in=[Level.CITY, Level.DISTRICT, Level.STREET]).order_by("path"))


# --- cadres ---------------------------------------------------------------------------------------------

def community_choices(*, user) -> QuerySet[Node]:
    if not scoping.can(user, "stars.view"):
        return Node.objects.none()
    return scoping.visible_nodes(user).filter(level=Level.COMMUNITY).order_by("path")


def community_workers(*, user, community: Node) -> list:
    """The community-worker accounts bound to ``community`` (the community must be in scope)."""
    if not (scoping.can(user, "stars.view") and scoping.obj_in_scope(user, community)):
        raise _not_found()
    from shequ.accounts.models import User

    ids = Binding.objects.filter(node=community).values("user_id")
    return list(User.objects.filter(pk__in=ids, role=Role.COMMUNITY_WORKER, is_active=True).order_by("username"))


def can_act(user, action: str) -> bool:
    return may(user, action)
