"""Thresholds of a place: the most specific ``PartyPolicy`` row above it (or the defaults).

Shared by the selectors and ``indicators.py``; one query for any number of communities.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import DEFAULT_COVERAGE_ALERT, DEFAULT_IDLE_MONTHS, DEFAULT_MIN_JOINT_MEETINGS, PartyPolicy


@dataclass(frozen=True)
class Policy:
    min_joint_meetings: int = DEFAULT_MIN_JOINT_MEETINGS
    coverage_alert_below: Decimal = DEFAULT_COVERAGE_ALERT
    idle_months: int = DEFAULT_IDLE_MONTHS


class PolicyBook:
    """All policy rows, loaded once; ``for_path`` picks the row of the nearest ancestor."""

    def __init__(self):
        self.rows: dict[int | None, Policy] = {
            row.node_id: Policy(row.min_joint_meetings, row.coverage_alert_below, row.idle_months)
            for row in PartyPolicy.objects.all()}

    def for_path(self, ancestor_ids: list[int]) -> Policy:
        for node_id in reversed(ancestor_ids):
            if node_id in self.rows:
                return self.rows[node_id]
        return self.rows.get(None, Policy())

    def for_node(self, node) -> Policy:
        return self.for_path(node.ancestor_path_ids if node is not None else [])
