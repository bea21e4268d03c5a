"""Per-row figures for list pages, computed for the rows shown only."""
from __future__ import annotations

from django.db.models import Model, OuterRef, Subquery, Sum


def sum_per_row(model: type[Model], *, key: str, field: str, **filters) -> Subquery:
    """The sum of ``model.field`` over its rows that point at the outer row through ``key`` (and
    match ``filters``), as a subquery to ``annotate`` a list with: each row of the page gets its
    own small sum by ``key``'s index. Summed as a join instead, the database groups every row in
    scope before it can take a page (with a large table joined as well: the whole registry)."""
    rows = model.objects.filter(**{key: OuterRef("pk")}, **filters).order_by().values(key)
    return Subquery(rows.annotate(total=Sum(field)).values("total"), output_field=model._meta.get_field(field))
