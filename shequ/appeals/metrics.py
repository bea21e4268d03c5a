"""The three rates 三率 of appeals (response, resolution, satisfaction), the satisfaction score,
the on-time completion rate and the composite score, by street, community, department, category
or month, with peer rankings. Exact definitions: docs/metrics.md.

Every figure counts the appeals the user may see (``scoping.scope_queryset``), minus the
consultations answered on the spot. Each rate has its own period fact (response due time,
evaluation time, completion due time), so the selector runs one ``GROUP BY`` over the appeals with
any fact in the period, a ``Count`` with its own filter per figure (by month: grouped on the three
facts' months together, each fact's figures going to its own month), plus one for the settings and
one for the group names: a fixed number of queries whatever the number of units.

On PostgreSQL, a user whose scope is whole districts (district office, leaders, administrators)
— and a street or community user asking by their own level, by month, or (a street user) by
community — is answered from ``appeals_rate_day`` instead: the same counts per district, fact, Shanghai day
and unit, kept exact by triggers (migrations 0011_rates_indexes, 0013_rate_delta: the triggers
append to ``appeals_rate_delta``, which the periodic task folds into the daily table every minute;
both are read) — one small aggregate instead of three passes over every appeal of the district.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from shequ.core.errors import InvalidInput, NotAllowed
from shequ.jurisdiction import scoping
from shequ.accounts.models import Role
from shequ.jurisdiction.models import Department, Level, Node

from .deadlines import SHANGHAI
from .models import Appeal, ContactKind, RateSettings, Satisfaction, ServiceCategory

#: group name -> the appeal column it groups on.
GROUPS = {
    "street": "street_id",
    "community": "community_id",
    "department": "handling_department_id",
    "category": "category_id",
    "month": None,  # the month (Asia/Shanghai) of each rate's own period fact
}
#: Groups whose rows are ranked against each other (peers: streets with streets, ...).
RANKED_GROUPS = frozenset({"street", "community", "department"})


@dataclass
class RateRow:
    key: int | str
    name: str
    response_due: int = 0       # response deadline in the period (denominator)
    responded: int = 0          # ... of which signed for by the deadline
    evaluated: int = 0          # evaluated in the period (denominator)
    solved: int = 0
    satisfied: int = 0          # 满意
    basic: int = 0              # 基本满意
    completion_due: int = 0     # completion deadline in the period (denominator)
    completed_on_time: int = 0  # ... of which replied by the deadline
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    satisfaction_score: float | None = None
    on_time_rate: float | None = None
    composite: float | None = None
    ranked: bool = False
    rank: int | None = None


@dataclass
class RateReport:
    group: str
    start: dt.date
    end: dt.date
    weights: dict[str, int]
    min_volume: int
    rows: list[RateRow] = field(default_factory=list)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end + 1 day 00:00) in Asia/Shanghai: both dates are included."""
    if end < start:
        raise InvalidInput(_("统计期末不能早于期初"), extra={"from": start.isoformat(), "to": end.isoformat()})
    return (dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI))


def rated_appeals(user) -> QuerySet[Appeal]:
    """The appeals that enter the rates for ``user``: in scope, without on-the-spot consultations
    (a consultation closed straight from ``received``, i.e. never signed for) and without the
    duplicates merged into another appeal (the primary carries the rates)."""
    if not scoping.can(user, "appeals.view"):
        raise NotAllowed(_("您的角色无权查看诉求统计"), extra={"action": "appeals.view"})
    return scoping.scope_queryset(rated_base(), user)


def rated_base() -> QuerySet[Appeal]:
    """Every appeal that enters the rates, before any scope (see ``rated_appeals``)."""
    on_the_spot = Q(contact_kind=ContactKind.CONSULTATION, accepted_at__isnull=True, closed_at__isnull=False)
    return Appeal.objects.exclude(on_the_spot).filter(merged_into__isnull=True)


def _month_key(value) -> str:
    if isinstance(value, str):  # already YYYY-MM (the daily table)
        return value
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI) if value.tzinfo else value
    return f"{value.year:04d}-{value.month:02d}"


def _names(group: str, keys) -> dict:
    model = {"street": Node, "community": Node, "department": Department, "category": ServiceCategory}[group]
    return dict(model.objects.filter(pk__in=list(keys)).values_list("pk", "name"))


def appeal_rates(*, user, group: str, start: dt.date, end: dt.date,
                 settings: RateSettings | None = None) -> RateReport:
    """The rates of each unit (or category, or month) of ``group`` over ``start``..``end`` (dates
    in Asia/Shanghai, both included), ranked against peers for street, community and department."""
    if group not in GROUPS:
        raise InvalidInput(_("未知的分组"), extra={"group": group, "allowed": sorted(GROUPS)})
    lo, hi = period_bounds(start, end)
    settings = settings or RateSettings.current()
    base = rated_appeals(user)
    rows: dict = {}

    def row(key) -> RateRow:
        key = _month_key(key) if group == "month" else key
        if key not in rows:
            rows[key] = RateRow(key=key, name=key if group == "month" else "")
        return rows[key]

    plan = _daily_plan(user, group)
    if plan is not None:
        _count_daily(row, group, *plan, start, end)
    else:
        _count_appeals(row, base, GROUPS[group], lo, hi)
    return _report(rows, group=group, start=start, end=end, settings=settings)


def _facts(lo: dt.datetime, hi: dt.datetime) -> dict[str, tuple[Q, dict[str, Q]]]:
    """Per period fact: which appeals it counts in [lo, hi), and per ``RateRow`` count which of those
    (an empty ``Q``: all of them). docs/metrics.md defines each."""
    def within(fact: str) -> Q:
        return Q(**{f"{fact}__gte": lo, f"{fact}__lt": hi})

    return {
        "response_due_at": (within("response_due_at"), {
            "response_due": Q(), "responded": Q(accepted_at__isnull=False, accepted_at__lte=F("response_due_at"))}),
        "evaluated_at": (within("evaluated_at") & ~Q(satisfaction=""), {
            "evaluated": Q(), "solved": Q(solved=True), "satisfied": Q(satisfaction=Satisfaction.SATISFIED),
            "basic": Q(satisfaction=Satisfaction.BASIC)}),
        "completion_due_at": (within("completion_due_at"), {
            "completion_due": Q(),
            "completed_on_time": Q(replied_at__isnull=False, replied_at__lte=F("completion_due_at"))}),
    }


def _add(r: RateRow, counts: dict) -> None:
    for name, n in counts.items():
        setattr(r, name, getattr(r, name) + n)


def _count_appeals(row, base: QuerySet[Appeal], column: str | None, lo: dt.datetime, hi: dt.datetime) -> None:
    """The counts from the appeals themselves, in one pass over the appeals with any of the three
    facts in the period, each count its own ``FILTER`` (a street's or a department's appeals read
    once, not once per fact). Grouped on ``column``, or by month: then on the three facts' months
    together, each fact's counts going to its own month (a fact with nothing in the period, none)."""
    facts = _facts(lo, hi)
    counts = {name: Count("id", filter=period & which) for period, named in facts.values()
              for name, which in named.items()}
    qs = base.filter(reduce(or_, (period for period, _named in facts.values())))
    if column is not None:
        for item in qs.filter(**{f"{column}__isnull": False}).values(key=F(column)).annotate(**counts).order_by():
            _add(row(item.pop("key")), item)
        return
    months = {f"{fact}_month": TruncMonth(fact, tzinfo=SHANGHAI) for fact in facts}
    for item in qs.values(**months).annotate(**counts).order_by():
        for fact, (_period, named) in facts.items():
            figures = {name: item[name] for name in named}
            if next(iter(figures.values())):  # the fact's own count (response_due, evaluated, completion_due)
                _add(row(item[f"{fact}_month"]), figures)


#: group -> the ``dim`` of appeals_rate_day (month: every appeal, grouped by the day's month).
DAILY_DIMS = {"street": "s", "community": "c", "department": "d", "category": "g", "month": "*"}


def _district_scope(user) -> list[int] | None:
    """The districts whose every appeal the user sees ([] for a global user: all), when the daily
    table can answer (PostgreSQL); None when the user's scope is not whole districts."""
    if connection.vendor != "postgresql":
        return None
    if scoping.is_global(user):
        return []
    if getattr(user, "role", None) in (Role.DEPARTMENT, Role.RESIDENT):
        return None
    nodes = scoping.bound_nodes(user)
    if not nodes or any(node.level != Level.DISTRICT for node in nodes):
        return None
    return sorted({node.pk for node in nodes})


#: Users bound to streets (or to communities) whose rates by their own level or by month are sums of
#: the daily table's cells of their nodes: their scope is every appeal located under those nodes
#: (``Node.scope_filter``: the appeal's ``street_id`` / ``community_id``), exactly the appeals those
#: cells count. A street user's rates by community are the cells of the communities under their
#: streets (communities are never moved between streets: ``node_move`` moves only what lies below
#: them). Their other groups (department, category, …) are counted from the appeals.
_NODE_DAILY = {Level.STREET: ("s", "street"), Level.COMMUNITY: ("c", "community")}


def _daily_plan(user, group: str) -> tuple[str, list[int], list[int] | None] | None:
    """How the daily table answers ``user``'s rates by ``group`` — (its dimension, the districts to
    read, the keys of that dimension to read or None for all) — or None: count the appeals."""
    districts = _district_scope(user)
    if districts is not None:
        return DAILY_DIMS[group], districts, None
    # (global users are whole-district ones: answered above)
    if connection.vendor != "postgresql" or getattr(user, "role", None) in (Role.DEPARTMENT, Role.RESIDENT):
        return None
    nodes = scoping.bound_nodes(user)
    levels = {node.level for node in nodes}
    level = levels.pop() if len(levels) == 1 else None
    if level not in _NODE_DAILY or any(not node.district_id for node in nodes):
        return None
    dim, own = _NODE_DAILY[level]
    districts = sorted({node.district_id for node in nodes})
    if group in (own, "month"):
        return dim, districts, sorted(node.pk for node in nodes)
    if level == Level.STREET and group == "community":
        return "c", districts, sorted(Node.objects.filter(level=Level.COMMUNITY, street_id__in=[n.pk for n in nodes])
                                      .values_list("pk", flat=True))
    return None


#: The columns of appeals_rate_day and appeals_rate_delta.
_DAILY_COLUMNS = "district_id, fact, dim, key, day, n, ok, solved, satisfied, basic"


def _daily_cells(where: str, params: list) -> tuple[str, list]:
    """The daily cells matching ``where``: the folded table plus the rows appended since the last
    fold (migration 0013_rate_delta), as one ``FROM`` item; the parameters for both halves."""
    sql = (f"(SELECT {_DAILY_COLUMNS} FROM appeals_rate_day WHERE {where} "
           f"UNION ALL SELECT {_DAILY_COLUMNS} FROM appeals_rate_delta WHERE {where}) AS cells")
    return sql, [*params, *params]


def rates_fold() -> int:
    """Move the cells the triggers appended into appeals_rate_day (PostgreSQL; 0 elsewhere), in
    its own short transaction; the number of appended rows moved. Run by the periodic sweep task."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT appeals_rate_fold()")
        return cursor.fetchone()[0]


def _count_daily(row, group: str, dim: str, districts: list[int], keys: list[int] | None, start: dt.date,
                 end: dt.date) -> None:
    """The counts from appeals_rate_day (same figures as ``_count_appeals``, see the migration): the
    cells of ``dim`` in ``districts`` (all when empty), only those of ``keys`` when given."""
    key = "to_char(day, 'YYYY-MM')" if group == "month" else "key"
    where = "dim = %s AND day >= %s AND day <= %s" + (" AND district_id = ANY(%s)" if districts else "")
    where += " AND key = ANY(%s)" if keys is not None else ""
    cells, params = _daily_cells(where, [dim, start, end] + ([districts] if districts else [])
                                 + ([keys] if keys is not None else []))
    sql = (f"SELECT fact, {key}, sum(n), sum(ok), sum(solved), sum(satisfied), sum(basic) FROM {cells} "
           f"GROUP BY 1, 2 HAVING sum(n) > 0")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for fact, unit, n, ok, solved, satisfied, basic in cursor.fetchall():
            _add_fact(row(unit), fact, n, ok, solved, satisfied, basic)


def _add_fact(r: RateRow, fact: int, n: int, ok: int, solved: int, satisfied: int, basic: int) -> None:
    """Add one appeals_rate_day sum (fact 1 response due, 2 evaluation, 3 completion due) to a row."""
    if fact == 1:
        r.response_due += n
        r.responded += ok
    elif fact == 2:
        r.evaluated += n
        r.solved += solved
        r.satisfied += satisfied
        r.basic += basic
    else:
        r.completion_due += n
        r.completed_on_time += ok


def _report(rows: dict, *, group: str, start: dt.date, end: dt.date, settings: RateSettings) -> RateReport:
    if group != "month" and rows:
        for key, name in _names(group, rows).items():
            rows[key].name = name

    weights = _weights(settings)
    for r in rows.values():
        _rates(r, weights)
        r.ranked = (group in RANKED_GROUPS and r.composite is not None
                    and r.response_due >= settings.min_volume and r.evaluated >= settings.min_volume)

    ranked = sorted((r for r in rows.values() if r.ranked), key=lambda r: (-r.composite, str(r.key)))
    for r in ranked:
        r.rank = 1 + sum(1 for other in ranked if other.composite > r.composite)
    ordered = ranked + sorted((r for r in rows.values() if not r.ranked), key=lambda r: str(r.key))
    if group == "month":
        ordered = sorted(rows.values(), key=lambda r: r.key)
    return RateReport(group=group, start=start, end=end, weights=weights, min_volume=settings.min_volume,
                      rows=ordered)


def _weights(settings: RateSettings) -> dict[str, int]:
    return {"response": settings.weight_response, "resolution": settings.weight_resolution,
            "satisfaction": settings.weight_satisfaction}


def _rates(r: RateRow, weights: dict[str, int]) -> None:
    """Fill the rates of a row from its counts (docs/metrics.md)."""
    total_weight = sum(weights.values()) or 1
    r.response_rate = _ratio(r.responded, r.response_due)
    r.resolution_rate = _ratio(r.solved, r.evaluated)
    r.satisfaction_rate = _ratio(r.satisfied + r.basic, r.evaluated)
    r.satisfaction_score = _ratio(100 * r.satisfied + 60 * r.basic, r.evaluated)
    r.on_time_rate = _ratio(r.completed_on_time, r.completion_due)
    if r.response_rate is not None and r.resolution_rate is not None:
        r.composite = round(100 * (weights["response"] * r.response_rate
                                   + weights["resolution"] * r.resolution_rate
                                   + weights["satisfaction"] * r.satisfaction_rate) / total_weight, 4)


#: Tree levels ``node_rates`` accepts -> (the appeal's ancestor column, the daily table's dimension).
NODE_LEVELS = {"city": ("city_id", "*"), "district": ("district_id", "*"), "street": ("street_id", "s"),
               "community": ("community_id", "c")}


def node_rates(*, nodes: list[Node], start: dt.date, end: dt.date,
               settings: RateSettings | None = None) -> dict[int, RateRow]:
    """The rates of each of ``nodes`` (city, district, street or community; levels may mix) over
    ``start``..``end``: the same counts and formulas as ``appeal_rates``, for every appeal under
    each node. No user scope: the caller has checked ``nodes`` against the user's scope (the
    indicator dashboard and report do). One aggregate per fact and level on SQLite; on PostgreSQL
    one query per level over the daily table."""
    lo, hi = period_bounds(start, end)
    settings = settings or RateSettings.current()
    weights = _weights(settings)
    rows: dict[int, RateRow] = {}

    def row(key) -> RateRow:
        if key not in rows:
            rows[key] = RateRow(key=key, name="")
        return rows[key]

    by_level: dict[str, list[Node]] = {}
    for node in nodes:
        if node.level not in NODE_LEVELS:
            raise InvalidInput(_("未知的分组"), extra={"level": node.level, "allowed": sorted(NODE_LEVELS)})
        by_level.setdefault(node.level, []).append(node)
    for level, members in by_level.items():
        column, dim = NODE_LEVELS[level]
        if connection.vendor == "postgresql":
            _count_daily_nodes(row, level, dim, members, start, end)
        else:
            base = rated_base().filter(**{f"{column}__in": [node.pk for node in members]})
            _count_appeals(row, base, column, lo, hi)
    for r in rows.values():
        _rates(r, weights)
    return rows


def _count_daily_nodes(row, level: str, dim: str, nodes: list[Node], start: dt.date, end: dt.date) -> None:
    """``node_rates``' counts from appeals_rate_day: per district (dim ``*``) summed up to the node
    for districts and cities, per street or community key otherwise."""
    if level == "city":
        owner = dict(Node.objects.filter(level=Level.DISTRICT, city_id__in=[n.pk for n in nodes])
                     .values_list("pk", "city_id"))
    elif level == "district":
        owner = {n.pk: n.pk for n in nodes}
    else:
        owner = None
    if owner is not None:
        districts, key_sql, key_filter, params = sorted(owner), "district_id", "", []
    else:
        districts = sorted({n.district_id for n in nodes if n.district_id})
        key_sql, key_filter, params = "key", " AND key = ANY(%s)", [[n.pk for n in nodes]]
    if not districts:
        return
    cells, params = _daily_cells(f"district_id = ANY(%s) AND dim = %s AND day >= %s AND day <= %s{key_filter}",
                                 [districts, dim, start, end, *params])
    sql = f"SELECT fact, {key_sql}, sum(n), sum(ok), sum(solved), sum(satisfied), sum(basic) FROM {cells} GROUP BY 1, 2"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for fact, unit, n, ok, solved, satisfied, basic in cursor.fetchall():
            _add_fact(row(owner[unit] if owner is not None else unit), fact, n, ok, solved, satisfied, basic)
