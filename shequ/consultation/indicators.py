"""Consultation figures for the indicator dashboard and the governance report (the indicator
protocol, see docs/consultation.md). Plain module: it does not import shequ.indicators.

* consultations_held: topics with a consultation meeting held in [start, end];
* consultation_decisions: topics decided in [start, end];
* decisions_on_time_rate: of the implementation items due in [start, end] (deadline passed), the
  share (%) done by their deadline;
problems(): "决而不行" — items not done by their deadline (past the grace days), and "议而不决" —
topics accepted long ago (``SHEQU_CONSULTATION_UNDECIDED_DAYS``, default 90) still undecided.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

INDICATORS = [
    {"key": "consultations_held", "label": _("开展协商议题数"), "unit": _("个"), "better": "higher", "section": "other"},
    {"key": "consultation_decisions", "label": _("形成协商结果数"), "unit": _("个"), "better": "higher", "section": "other"},
    {"key": "decisions_on_time_rate", "label": _("协商结果按期落实率"), "unit": "%", "better": "higher", "section": "other"},
]

#: Defaults of the thresholds (overridable in settings).
OVERDUE_GRACE_DAYS = 0
UNDECIDED_DAYS = 90


def _levels(nodes) -> dict[str, list[int]]:
    levels: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        levels[node.level].append(node.pk)
    return levels


def _today() -> dt.date:
    return timezone.localdate()


def compute(nodes, start: dt.date, end: dt.date) -> dict[int, dict]:
    """Figures per node: three grouped queries per level present among ``nodes``."""
    from .models import Action, Meeting, Topic

    due_end = min(end, _today() - dt.timedelta(days=1))
    result: dict[int, dict] = {}
    for level, ids in _levels(nodes).items():
        col = f"topic__{level}_id"
        held = dict(Meeting.objects.filter(**{f"{col}__in": ids}, held_at__date__gte=start, held_at__date__lte=end)
                    .values(col).annotate(n=Count("topic_id", distinct=True)).order_by().values_list(col, "n"))
        decided = dict(Topic.objects.filter(**{f"{level}_id__in": ids}, decided_at__date__gte=start, decided_at__date__lte=end)
                       .values(f"{level}_id").annotate(n=Count("id")).order_by().values_list(f"{level}_id", "n"))
        due = {r[col]: r for r in Action.objects.filter(**{f"{col}__in": ids}, deadline__gte=start, deadline__lte=due_end)
               .values(col).annotate(n=Count("id"), ok=Count("id", filter=Q(done_at__date__lte=F("deadline")))).order_by()}
        for pk in ids:
            row = due.get(pk)
            result[pk] = {
                "consultations_held": held.get(pk, 0),
                "consultation_decisions": decided.get(pk, 0),
                "decisions_on_time_rate": round(row["ok"] * 100 / row["n"], 1) if row and row["n"] else None,
            }
    return result


def problems(nodes, start: dt.date, end: dt.date) -> list[dict]:
    """Communities whose decisions are not carried out by their deadline (决而不行), and whose
    accepted topics stay undecided (议而不决)."""
    from shequ.jurisdiction.models import Node

    from .models import Action, Topic

    grace = getattr(settings, "SHEQU_CONSULTATION_OVERDUE_GRACE_DAYS", OVERDUE_GRACE_DAYS)
    undecided_days = getattr(settings, "SHEQU_CONSULTATION_UNDECIDED_DAYS", UNDECIDED_DAYS)
    cutoff = min(end, _today()) - dt.timedelta(days=grace)
    scope = Q()
    for level, ids in _levels(nodes).items():
        scope |= Q(**{f"{level}_id__in": ids})
    if not scope:
        return []
    topics = Topic.objects.filter(scope)
    late = list(Action.objects.filter(topic__in=topics, deadline__lt=cutoff, deadline__gte=start)
                .filter(Q(done_at__isnull=True) | Q(done_at__date__gt=F("deadline")))
                .values("topic__community_id").annotate(n=Count("id"), open=Count("id", filter=Q(done_at__isnull=True)))
                .order_by("-n"))
    since = timezone.now() - dt.timedelta(days=undecided_days)
    stuck = list(topics.filter(status__in=(Topic.Status.ACCEPTED, Topic.Status.VOTING), raised_at__lt=since)
                 .values("community_id").annotate(n=Count("id")).order_by("-n"))
    names = dict(Node.objects.filter(pk__in=[r["topic__community_id"] for r in late] + [r["community_id"] for r in stuck])
                 .values_list("pk", "name"))
    found = []
    if late:
        total, still_open = sum(r["n"] for r in late), sum(r["open"] for r in late)
        worst = "、".join(names.get(r["topic__community_id"], "") for r in late[:5])
        found.append({
            "key": "consultation_not_implemented",
            "title": gettext("协商结果未按期落实(决而不行)"),
            "evidence": gettext("%(c)d 个社区/村共有 %(n)d 项协商落实事项未在期限内完成,其中 %(o)d 项至今未完成;较多的有:%(w)s。")
            % {"c": len(late), "n": total, "o": still_open, "w": worst},
            "communities": [r["topic__community_id"] for r in late],
            "suggestion": gettext("对逾期事项逐项明确责任人和新的完成时间,纳入社区工作考核,并在公开页如实公示落实情况。"),
            "severity": 3 if still_open >= 5 else 2,
        })
    if stuck:
        total = sum(r["n"] for r in stuck)
        found.append({
            "key": "consultation_undecided",
            "title": gettext("协商议题久议不决(议而不决)"),
            "evidence": gettext("%(c)d 个社区/村有 %(n)d 个已立项议题超过 %(d)d 天仍未形成结果:%(w)s。")
            % {"c": len(stuck), "n": total, "d": undecided_days,
               "w": "、".join(names.get(r["community_id"], "") for r in stuck[:5])},
            "communities": [r["community_id"] for r in stuck],
            "suggestion": gettext("由社区党组织牵头,明确协商时限,按程序及时组织表决,防止议而不决。"),
            "severity": 2 if total >= 3 else 1,
        })
    return found
