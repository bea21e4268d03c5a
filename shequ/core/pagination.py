"""Limit/offset pagination shared by every API list, with a capped count.

A list answers ``{"items", "count", "limit", "offset", "count_is_estimate"}``. Counting every
matching row on every request is what makes lists slow at a million residents, so the count
stops at ``COUNT_CAP``: past it the answer is ``count=COUNT_CAP, count_is_estimate=true``
(shown as "10000+"). The count runs as ``SELECT COUNT(*) FROM (... LIMIT COUNT_CAP+1)`` and
is skipped altogether when the first page is not full.
"""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

COUNT_CAP = 10_000
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageParams(Schema):
    """Query parameters of every list: ``limit`` (1–200, default 50) and ``offset``."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数(1–200,默认50)")
    offset: int = Field(0, ge=0, description="跳过的条数")


class PageBase(Schema):
    count: int = Field(..., description=f"匹配条数;超过 {COUNT_CAP} 时为 {COUNT_CAP} 且 count_is_estimate 为 true")
    count_is_estimate: bool = Field(False, description=f"为 true 时实际条数多于 {COUNT_CAP}(显示为“{COUNT_CAP}+”)")
    limit: int
    offset: int


_PAGE_SCHEMAS: dict[type, type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The output schema of a paginated list of ``item`` (one class per item schema)."""
    schema = _PAGE_SCHEMAS.get(item)
    if schema is None:
        name = item.__name__.removesuffix("Out") + "Page"
        schema = create_model(name, __base__=PageBase, items=(list[item], ...))
        _PAGE_SCHEMAS[item] = schema
    return schema


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count ``qs`` up to ``cap`` rows: (count, whether there are more)."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def paginate(qs: QuerySet, params: PageParams, *, cap: int = COUNT_CAP, columns: tuple[str, ...] = ()) -> dict[str, Any]:
    """One page of ``qs``; with ``columns`` its items are plain rows of those columns (``qs.values``),
    while the count still runs on ``qs`` itself (without the joins the columns may need)."""
    limit, offset = params.limit, params.offset
    items = list((qs.values(*columns) if columns else qs)[offset: offset + limit])
    if len(items) < limit and (items or offset == 0):
        count, estimate = offset + len(items), False
    else:
        count, estimate = capped_count(qs, cap)
    return {"items": items, "count": count, "count_is_estimate": estimate, "limit": limit, "offset": offset}
