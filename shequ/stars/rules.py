"""The rules of the star rating as plain functions (no database): the grade from a star count,
the recommendations it opens, the stars held on a date from the change history, the quarter of a
date. Thresholds come in as arguments (``Thresholds``, read from the cycle: admin-edited data with
SPEC M3 / the Shawan report's values as defaults)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from django.utils.translation import gettext_lazy as _


class Grade:
    GOOD = "good"
    FAIR = "fair"
    AVERAGE = "average"
    POOR = "poor"

    ORDER = (GOOD, FAIR, AVERAGE, POOR)
    LABELS = {GOOD: _("好"), FAIR: _("较好"), AVERAGE: _("一般"), POOR: _("差")}


class Gate:
    """What a star gates: without it an organization may not take part in that selection."""

    NONE = ""
    DOUBLE_FIVE = "double_five"
    CIVILIZED = "civilized"
    SAFE = "safe"

    CHOICES = [
        (NONE, _("无")),
        (DOUBLE_FIVE, _("民族团结进步和宗教界“双五好”评选")),
        (CIVILIZED, _("文明社区评选与命名")),
        (SAFE, _("平安社区评选与命名")),
    ]


@dataclass(frozen=True)
class Thresholds:
    """Grade bands and recommendation minimums (SPEC M3 defaults)."""

    good_min: int = 8
    fair_min: int = 7
    average_min: int = 5
    wuhao_min: int = 7
    city_min: int = 8
    region_min: int = 10
    coefficients: tuple[tuple[str, Decimal], ...] = (
        (Grade.GOOD, Decimal("1.20")), (Grade.FAIR, Decimal("1.10")),
        (Grade.AVERAGE, Decimal("1.00")), (Grade.POOR, Decimal("0.80")))

    def coefficient(self, grade: str) -> Decimal:
        return dict(self.coefficients)[grade]


DEFAULT_THRESHOLDS = Thresholds()


def grade_of(stars: int, t: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """好 at ``good_min`` (8) stars or more, 较好 at ``fair_min`` (7), 一般 from ``average_min`` (5)
    up to 较好, 差 below (4 or fewer)."""
    if stars >= t.good_min:
        return Grade.GOOD
    if stars >= t.fair_min:
        return Grade.FAIR
    if stars >= t.average_min:
        return Grade.AVERAGE
    return Grade.POOR


def grade_label(grade: str) -> str:
    return str(Grade.LABELS.get(grade, grade))


@dataclass(frozen=True)
class Recommendation:
    key: str
    label: str
    eligible: bool
    kind: str  # "priority" 优先推荐 (by star count) or "gate" 参评资格 (by a star held)
    reason: str


RECOMMENDATION_LABELS = {
    "wuhao": _("“五好党支部”评选"),
    "city": _("市级及以上“先进基层党组织”评选"),
    "region": _("自治区级“先进基层党组织”评选"),
    Gate.DOUBLE_FIVE: _("民族团结进步和宗教界“双五好”评选"),
    Gate.CIVILIZED: _("文明社区评选与命名"),
    Gate.SAFE: _("平安社区评选与命名"),
}


def recommendations(stars: int, held_gates: Iterable[str], star_gates: Iterable[str],
                    t: Thresholds = DEFAULT_THRESHOLDS) -> list[Recommendation]:
    """What a star count and the gating stars held open.

    ``held_gates``: the gate of every star held (one entry per star); ``star_gates``: the gate of
    every star of the cycle. A selection gated by several stars (双五好: 民族团结星 and 宗教和谐星)
    needs all of them; lacking any one excludes the organization.
    """
    held, needed = list(held_gates), list(star_gates)
    result = []
    for key, minimum in (("wuhao", t.wuhao_min), ("city", t.city_min), ("region", t.region_min)):
        ok = stars >= minimum
        result.append(Recommendation(key, str(RECOMMENDATION_LABELS[key]), ok, "priority",
                                     str(_("%(n)s 星及以上优先推荐") % {"n": minimum})))
    for gate in (Gate.DOUBLE_FIVE, Gate.CIVILIZED, Gate.SAFE):
        want = needed.count(gate)
        if not want:
            continue
        ok = held.count(gate) >= want
        result.append(Recommendation(gate, str(RECOMMENDATION_LABELS[gate]), ok, "gate",
                                     str(_("已获评所需星") if ok else _("缺少所需星,不得参加"))))
    return result


def held_on(changes: Iterable[tuple[int, str, dt.date, int]], on: dt.date) -> set[int]:
    """The stars held on ``on`` from effective changes ``(star_id, kind, effective_on, id)``: each
    star's latest change on or before the date decides (award/add: held; remove: not)."""
    last: dict[int, tuple[dt.date, int, str]] = {}
    for star_id, kind, effective_on, pk in changes:
        if effective_on is None or effective_on > on:
            continue
        key = (effective_on, pk, kind)
        if star_id not in last or key[:2] > last[star_id][:2]:
            last[star_id] = key
    return {star_id for star_id, (_d, _pk, kind) in last.items() if kind in ("award", "add")}


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def mass_rate(satisfied: int, basic: int, votes: int) -> Decimal | None:
    """Share of residents who answered 满意 or 基本满意 for a star (None without votes)."""
    if not votes:
        return None
    return (Decimal(satisfied + basic) / Decimal(votes)).quantize(Decimal("0.0001"))
