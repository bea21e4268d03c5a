"""Pagination that never counts a huge result set.

``Paginator`` runs ``COUNT(*)`` over the whole query on every page; at a million residents
that is the slowest part of a search. ``CappedPage`` fetches one row more than a page to know
whether a next page exists, and counts at most ``cap`` + 1 rows (``COUNT`` over a ``LIMIT``
subquery), so the page shows "1000+" instead of an exact total for big sets.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

PER_PAGE = 50
COUNT_CAP = 1000


@dataclass
class CappedPage:
    rows: list[Any]
    number: int
    per_page: int
    has_next: bool
    total: int
    total_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the total is known exactly."""
        if self.total_capped:
            return None
        return max(1, -(-self.total // self.per_page))


def page_number(value: Any) -> int:
    try:
        return max(1, min(int(value), 100_000))
    except (TypeError, ValueError):
        return 1


def capped_page(qs: QuerySet, number: Any, *, per_page: int = PER_PAGE, cap: int = COUNT_CAP) -> CappedPage:
    number = page_number(number)
    offset = (number - 1) * per_page
    rows = list(qs[offset:offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if number == 1 and not has_next:
        total, capped = len(rows), False
    else:
        total = qs[:cap + 1].count()
        capped = total > cap
        total = min(total, cap)
    return CappedPage(rows=rows, number=number, per_page=per_page, has_next=has_next, total=total, total_capped=capped)


def list_page(keys: Sequence, number: Any, load: Callable[[list], list], *, per_page: int = PER_PAGE) -> CappedPage:
    """A page of a list already computed in full (e.g. ids chosen in Python), its total exact; ``load``
    turns the page's keys into its rows (one query for one page, not for the whole list)."""
    number = page_number(number)
    offset = (number - 1) * per_page
    chunk = list(keys[offset:offset + per_page])
    return CappedPage(rows=load(chunk) if chunk else [], number=number, per_page=per_page,
                      has_next=len(keys) > offset + per_page, total=len(keys), total_capped=False)
