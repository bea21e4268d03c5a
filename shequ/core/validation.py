"""Model validation raised as the platform's error (``InvalidInput``, 422) naming the field."""
from __future__ import annotations

from typing import Iterable

from django.core.exceptions import ValidationError

from .errors import InvalidInput


def full_clean(obj, exclude: Iterable[str] = ()) -> None:
    """``obj.full_clean()`` without the uniqueness and constraint checks (the services and the
    database answer those); the first failing field becomes ``InvalidInput("field: message")``
    with ``extra`` ``{"field": …, "fields": {field: [messages]}}`` for the form to show.

    A located record's ancestor columns (``jurisdiction.models.Located``) are not validated: the
    services copy them from a node they have just read, and checking that each still exists would
    cost one query a column (seven a record); the database's foreign keys still hold."""
    skip = list(exclude)
    if hasattr(obj, "ancestor_ids"):
        skip += obj.ancestor_ids().keys()
    try:
        obj.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        field, messages = next(iter(fields.items()))
        raise InvalidInput(f"{field}: {messages[0]}", extra={"field": field, "fields": fields}) from None
