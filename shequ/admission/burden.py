"""The burden ledger 社区负担台账, the burden index and the department ranking.

Ledger of a community over a period (a year on the pages; any dates for the indicators):

* admitted tasks 准入事项: assignments to the community (not to its grids) received in the period;
* unadmitted tasks 未准入事项: unadmitted work flagged in the period, unless the office dismissed it;
* ledgers 台账 and forms 表格 demanded: the sums over both (a task's counts, per community);
* certificates issued 证明 and seal uses 用印: records of the period not refused (refusals counted apart);
* plaques 牌子: hanging at the period's end; "excess" = not on the plaque list;
* overdue 逾期: admitted tasks of the period still open after their due date (as of ``today``);
* collections avoided 免于入户采集: data-reuse records of the period.

Burden index (weights in ``BurdenPolicy``, defaults in brackets; docs/admission.md)::

    index = 1·admitted + 3·unadmitted + 2·ledgers + 0.5·forms + 0.1·certificates + 0.05·seal uses
            + 1·excess plaques

The department ranking charges each department with the same terms for what it pushed onto the
district's communities (its tasks × communities, its unadmitted work, its ledgers and forms, the
seals, certificates and off-list plaques it asked for). Queries: one GROUP BY per source, however
many communities or departments.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from shequ.jurisdiction.models import Department, Level, Node

from .models import (
    Assignment, AvoidedCollection, BurdenPolicy, Plaque, StampRecord, UnadmittedReport, Weights, WorkTask,
)


@dataclass
class LedgerRow:
    """One community's (or one department's) burden over a period."""

    id: int
    name: str = ""
    admitted: int = 0
    unadmitted: int = 0
    ledgers: int = 0
    forms: int = 0
    certificates: int = 0
    seals: int = 0
    refused: int = 0
    plaques: int = 0
    excess_plaques: int = 0
    overdue: int = 0
    avoided: int = 0
    funding: Decimal = field(default_factory=lambda: Decimal("0"))
    index: float = 0.0
    rank: int | None = None

    def compute_index(self, w: Weights) -> float:
        value = (w.admitted * self.admitted + w.unadmitted * self.unadmitted + w.ledger * self.ledgers
                 + w.form * self.forms + w.certificate * self.certificates + w.seal * self.seals
                 + w.plaque * self.excess_plaques)
        self.index = round(float(value), 2)
        return self.index


def year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz))


def _accumulate(rows: dict[int, LedgerRow], *, today: dt.date, tasks, flags, stamps, plaques, avoided=None) -> None:
    """Add each source to ``rows``: querysets already narrowed to the period and to the rows' scope,
    grouped by ``g`` (a community or a department id). One ``GROUP BY`` query per source."""
    not_refused = ~Q(outcome=StampRecord.Outcome.REFUSED)
    sources = [
        (tasks.annotate(n=Count("id"), ledgers=Sum("task__ledgers_demanded"), forms=Sum("task__forms_demanded"),
                        funding=Sum("funding_share"),
                        overdue=Count("id", filter=~Q(status=Assignment.Status.COMPLETED) & Q(due_on__lt=today))),
         {"n": "admitted", "overdue": "overdue", "funding": "funding", "ledgers": "+ledgers", "forms": "+forms"}),
        (flags.exclude(status=UnadmittedReport.Status.DISMISSED)
         .annotate(n=Count("id"), ledgers=Sum("ledgers_demanded"), forms=Sum("forms_demanded")),
         {"n": "unadmitted", "ledgers": "+ledgers", "forms": "+forms"}),
        (stamps.annotate(certificates=Count("id", filter=Q(kind=StampRecord.Kind.CERTIFICATE) & not_refused),
                         seals=Count("id", filter=Q(kind=StampRecord.Kind.SEAL) & not_refused),
                         refused=Count("id", filter=~not_refused)),
         {"certificates": "certificates", "seals": "seals", "refused": "refused"}),
        (plaques.annotate(n=Count("id"), excess=Count("id", filter=Q(allowed=False))),
         {"n": "plaques", "excess": "excess_plaques"}),
    ]
    if avoided is not None:
        sources.append((avoided.annotate(n=Count("id")), {"n": "avoided"}))
    for qs, fields in sources:
        for r in qs.order_by():
            row = rows.get(r["g"])
            if row is None:
                continue
            for source, target in fields.items():
                value = r[source] or 0
                if target.startswith("+"):
                    setattr(row, target[1:], getattr(row, target[1:]) + value)
                else:
                    setattr(row, target, value)


def community_ledger(community_ids: list[int], start: dt.date, end: dt.date, *, today: dt.date | None = None,
                     weights: Weights | None = None) -> dict[int, LedgerRow]:
    """The ledger of each community in ``community_ids`` over [start, end] (dates inclusive)."""
    today = today or timezone.localdate()
    w = weights or BurdenPolicy.current()
    lo, hi = _bounds(start, end)
    rows = {pk: LedgerRow(id=pk) for pk in community_ids}
    if not rows:
        return rows
    for pk, name in Node.objects.filter(pk__in=community_ids).values_list("pk", "name"):
        rows[pk].name = name
    g = F("community_id")
    _accumulate(
        rows, today=today,
        tasks=Assignment.objects.filter(community_id__in=community_ids, parent__isnull=True, received_at__gte=lo,
                                        received_at__lt=hi).values(g=g),
        flags=UnadmittedReport.objects.filter(community_id__in=community_ids, received_on__gte=start,
                                              received_on__lte=end).values(g=g),
        stamps=StampRecord.objects.filter(community_id__in=community_ids, at__gte=lo, at__lt=hi).values(g=g),
        plaques=_hanging(Plaque.objects.filter(community_id__in=community_ids), end).values(g=g),
        avoided=AvoidedCollection.objects.filter(community_id__in=community_ids, at__gte=lo, at__lt=hi).values(g=g))
    for row in rows.values():
        row.compute_index(w)
    return rows


def _hanging(plaques, end: dt.date):
    """Plaques put up by ``end`` and not removed by then."""
    return plaques.filter(put_up_on__lte=end).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=end))


def ledger_for(nodes: list[Node], start: dt.date, end: dt.date, **kwargs) -> list[LedgerRow]:
    """The ledger of every community under ``nodes`` (communities themselves included), by index, heaviest first."""
    ids = list(communities_under(nodes).values_list("pk", flat=True))
    rows = list(community_ledger(ids, start, end, **kwargs).values())
    rows.sort(key=lambda r: (-r.index, r.name))
    for i, row in enumerate(rows, start=1):
        row.rank = i
    return rows


def communities_under(nodes: list[Node]):
    """The communities/villages under (or equal to) any of ``nodes``: one query."""
    q = Q(pk__in=[])
    for node in nodes:
        if node.level == Level.COMMUNITY:
            q |= Q(pk=node.pk)
        elif node.level in (Level.CITY, Level.DISTRICT, Level.STREET):
            q |= Q(**{f"{node.level}_id": node.pk})
    return Node.objects.filter(q, level=Level.COMMUNITY).order_by("path")


def department_ranking(district_id: int, start: dt.date, end: dt.date, *, weights: Weights | None = None,
                       today: dt.date | None = None) -> list[LedgerRow]:
    """The district's departments ranked by the burden they pushed onto communities in [start, end]."""
    w = weights or BurdenPolicy.current()
    today = today or timezone.localdate()
    lo, hi = _bounds(start, end)
    rows = {pk: LedgerRow(id=pk, name=name) for pk, name in
            Department.objects.filter(district_id=district_id).order_by("code", "id").values_list("pk", "name")}
    g = F("department_id")
    _accumulate(
        rows, today=today,
        tasks=Assignment.objects.filter(task__district_id=district_id, parent__isnull=True, received_at__gte=lo,
                                        received_at__lt=hi).values(g=F("task__department_id")),
        flags=UnadmittedReport.objects.filter(department__district_id=district_id, received_on__gte=start,
                                              received_on__lte=end).values(g=g),
        stamps=StampRecord.objects.filter(department__district_id=district_id, at__gte=lo, at__lt=hi).values(g=g),
        plaques=_hanging(Plaque.objects.filter(department__district_id=district_id), end).values(g=g))
    result = list(rows.values())
    for row in result:
        row.compute_index(w)
    result.sort(key=lambda r: (-r.index, r.name))
    rank = 0
    for i, row in enumerate(result):
        if row.index <= 0:
            continue
        rank = rank if i and result[i - 1].index == row.index else i + 1
        row.rank = rank
    return result


def request_counts(district_id: int, start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """Per department: requests filed in the period by outcome (listed, approved, rejected, pending/returned)."""
    lo, hi = _bounds(start, end)
    out: dict[int, dict[str, int]] = {}
    for r in (WorkTask.objects.filter(district_id=district_id, submitted_at__gte=lo, submitted_at__lt=hi)
              .values("department_id").order_by()
              .annotate(filed=Count("id"),
                        listed=Count("id", filter=Q(admission=WorkTask.Admission.LISTED)),
                        approved=Count("id", filter=Q(admission=WorkTask.Admission.APPROVED)),
                        rejected=Count("id", filter=Q(status=WorkTask.Status.REJECTED)),
                        waiting=Count("id", filter=Q(status__in=[WorkTask.Status.PENDING, WorkTask.Status.RETURNED])))):
        out[r["department_id"]] = r
    return out
