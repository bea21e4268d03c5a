"""Limit/offset pagination shared by every API list, with a capped count.

A list answers ``{"items", "count", "limit", "offset", "count_is_estimate"}``. Counting every
matching row on every request is what makes lists slow at a million residents, so the count
stops at ``COUNT_CAP``: past it the answer is ``count=COUNT_CAP, count_is_estimate=true``
(shown as "10000+"). The count runs as ``SELECT COUNT(*) FROM (... LIMIT COUNT_CAP+1)`` and
is skipped altogether when the first page is not full.
"""
from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL
from ninja import Field, Schema
from pydantic import create_model

from shequ.core import compiled

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


#: How long a process remembers that a list had more than ``COUNT_CAP`` rows (seconds).
PAST_CAP_SECONDS = 30
#: (SQL, parameters) of a count found past its cap -> when (``time.monotonic``).
_past_cap: dict[tuple, float] = {}


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count ``qs`` up to ``cap`` rows: (count, whether there are more).

    A list found to have more than ``cap`` rows is taken to still have more for ``PAST_CAP_SECONDS``
    without counting again (the answer is an estimate then anyway, "10000+"); an exact count is
    never remembered."""
    limited = qs.order_by().values("pk")[: cap + 1]  # the key compiles fast with one column (not 50)
    try:
        sql, params = limited.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (``none()``, ``pk__in=[]``): nothing to count
        return 0, False
    key = (sql, tuple(map(str, params)), qs.db)
    seen = _past_cap.get(key)
    if seen is not None and time.monotonic() - seen < PAST_CAP_SECONDS:
        return cap, True
    n = limited.count()
    if n > cap:
        if len(_past_cap) > 1000:
            _past_cap.clear()
        _past_cap[key] = time.monotonic()
    return min(n, cap), n > cap


def values_unjoined(qs: QuerySet, columns: tuple[str, ...], *, sealed: tuple[str, ...] = (), **expressions) -> QuerySet:
    """``qs.values(*columns)`` with the same row keys, but each related column (``category__name``,
    ``category__time_limit__name``, a reverse one-to-one's ``open311__email``) read by a scalar
    subquery on the related row's key instead of a join.

    Same rows, cheaper to plan: PostgreSQL spends 1–2 ms planning a page of appeals with five or
    six joins (more than it takes to run) and about 0.1 ms with the subqueries. The subqueries are
    written as SQL here (``RawSQL``): compiling them as ORM ``Subquery`` expressions cost more
    Python time per request than the planning saved.

    ``sealed`` columns (plain or related) come as stored, without their field's conversion, under
    the key ``<column>_sealed``: an encrypted field's ciphertext, for a caller that decrypts a value
    only when it needs it. ``expressions`` are further keys, as in ``values()``.
    """
    model = qs.model
    quote = connections[qs.db].ops.quote_name
    outer = quote(model._meta.db_table)
    plain, computed = [], dict(expressions)
    for column in (*columns, *sealed):
        if column in sealed:
            sql, _field = _related_sql(quote, model, outer, column.split("__"), 1)
            computed[f"{column}_sealed"] = RawSQL(sql, (), output_field=TextField())
        elif "__" in column:
            sql, field = _related_sql(quote, model, outer, column.split("__"), 1)
            computed[column] = RawSQL(sql, (), output_field=field)  # the field's own conversions (decryption)
        else:
            plain.append(column)
    return qs.values(*plain, **computed)


def _related_sql(quote, model, outer: str, path: list[str], depth: int) -> tuple[str, Any]:
    """The scalar subquery reading ``path`` (relation names, then a column) from the ``model`` row
    named ``outer``, and the column's field: one nested subquery per relation, each on a primary or
    unique key, each table under its own alias (``r1``, ``r2``…: a relation may lead to the same table)."""
    field = model._meta.get_field(path[0])
    if len(path) == 1:
        return f"{outer}.{quote(field.column)}", field
    related = field.related_model
    alias = f"r{depth}"
    if field.concrete:  # a foreign key or one-to-one on this model
        where = f"{alias}.{quote(related._meta.pk.column)} = {outer}.{quote(field.column)}"
    else:  # the reverse side of a one-to-one
        where = f"{alias}.{quote(field.field.column)} = {outer}.{quote(model._meta.pk.column)}"
    inner, final = _related_sql(quote, related, alias, path[1:], depth + 1)
    return f"(SELECT {inner} FROM {quote(related._meta.db_table)} {alias} WHERE {where})", final


def paginate(qs: QuerySet, params: PageParams, *, cap: int = COUNT_CAP, columns: tuple[str, ...] = ()) -> dict[str, Any]:
    """One page of ``qs``; with ``columns`` its items are plain rows of those columns
    (``values_unjoined``, its SQL compiled once per shape: ``_rows``), while the count runs on ``qs`` itself."""
    limit, offset = params.limit, params.offset
    items = _rows(qs, columns, offset, limit) if columns else list(qs[offset: offset + limit])
    if len(items) < limit and (items or offset == 0):
        count, estimate = offset + len(items), False
    else:
        count, estimate = capped_count(qs, cap)
    return {"items": items, "count": count, "count_is_estimate": estimate, "limit": limit, "offset": offset}


def _rows(qs: QuerySet, columns: tuple[str, ...], offset: int, limit: int) -> list[dict[str, Any]]:
    """``values_unjoined(qs, columns)[offset:offset + limit]``, compiled once per shape
    (``shequ.core.compiled``). The shape is told by the query's WHERE clause compiled on its own
    (a fraction of the whole: no select list, joins or ordering to set up), with its parameters as
    the values: two lists of the same model, columns, ordering and page whose filters compile to the
    same WHERE text are the same SQL with other values (a user's scope included: it is part of the
    WHERE clause, so another scope is another shape or other values)."""
    query = qs.query
    try:
        where, values = query.get_compiler(qs.db).compile(query.where)
    except EmptyResultSet:  # a filter that matches nothing (``none()``)
        return []
    except FullResultSet:  # no filter at all
        where, values = "", ()
    key = ("paginate", qs.model._meta.label, qs.db, columns, where, tuple(query.order_by), query.distinct,
           query.distinct_fields, offset, limit)
    # Only the WHERE clause is in the key: a page with any other parameter (an annotation's value)
    # is built every time.
    return compiled.rows(key, lambda *_values: values_unjoined(qs, columns)[offset: offset + limit], *values,
                         only_args=True)
