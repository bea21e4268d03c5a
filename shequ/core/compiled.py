"""Read queries compiled once per shape, for the hot public lists.

Building a queryset (``filter``, ``values``, the annotations) and compiling it to SQL costs Django
about as much Python time per request as everything else a list of 100 appeals does (measured on
the Open311 list: a quarter of its CPU, docs/benchmarks.md). For a list whose SQL text depends only
on a few choices (which filters are given, how many values each has, the page) and whose varying
values are plain parameters, ``rows`` compiles the query the first time a shape is seen and
afterwards runs the same SQL with the new values in their places.

The varying values are found in the compiled parameters by identity: the caller passes the very
objects it gave the queryset (``build(*args)``), and a shape is kept only if each of them appears
exactly once among the parameters (a value Django converted, or one that is also a constant of the
query, leaves that shape uncompiled: it is then built as a queryset every time, with the same
result). The rows come through the compiler of the first run, so every field's conversion from the
database (decryption, dates) applies as in ``values()``.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet

#: At most this many shapes per process (the callers' keys are few by construction: filters given
#: or not, how many values, the page); further shapes are built as querysets every time.
MAX_SHAPES = 1024


class _Shape:
    __slots__ = ("alias", "compiler", "names", "params", "slots", "sql")

    def __init__(self, qs: QuerySet, compiler, sql: str, params: Sequence, slots: list[tuple[int, int]]):
        query = qs.query
        self.alias, self.compiler, self.sql, self.params, self.slots = qs.db, compiler, sql, tuple(params), slots
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]

    def rows(self, args: Sequence) -> list[dict[str, Any]]:
        params = list(self.params)
        for position, index in self.slots:
            params[position] = args[index]
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[self.alias]  # this thread's connection
        compiler.as_sql = lambda *_args, **_kwargs: (self.sql, params)
        names = self.names
        return [dict(zip(names, row)) for row in compiler.results_iter()]


_shapes: dict[Hashable, _Shape | None] = {}


def _slots(params: Sequence, args: Sequence) -> list[tuple[int, int]] | None:
    """Where each of ``args`` sits among ``params`` (by identity), or None if one is not there exactly once."""
    slots = []
    for index, arg in enumerate(args):
        found = [position for position, param in enumerate(params) if param is arg]
        if len(found) != 1:
            return None
        slots.append((found[0], index))
    return slots


def rows(key: Hashable, build: Callable[..., QuerySet], *args, only_args: bool = False) -> list[dict[str, Any]]:
    """The rows of ``build(*args)``, a ``values()`` queryset whose SQL text is the same for every
    call with the same ``key`` and whose parameters hold each of ``args`` (the values that vary
    between calls of one shape); compiled on the first call of each ``key``. With ``only_args``
    a shape is kept only if ``args`` are all its parameters (for a caller whose key does not
    describe the rest of the query: a parameter it does not know of may differ between calls)."""
    shape = _shapes.get(key, _shapes)
    if shape is _shapes:  # not seen yet
        qs = build(*args)
        compiler = qs.query.get_compiler(qs.db)
        sql, params = compiler.as_sql()
        slots = _slots(params, args) if not only_args or len(params) == len(args) else None
        shape = _Shape(qs, compiler, sql, params, slots) if slots is not None else None
        if len(_shapes) < MAX_SHAPES:
            _shapes[key] = shape
        if shape is None:
            return list(qs)
    elif shape is None:
        return list(build(*args))
    return shape.rows(args)


def forget() -> None:
    """Drop every compiled shape (tests; a schema change)."""
    _shapes.clear()
