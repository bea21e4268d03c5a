"""Optimistic concurrency for edit forms and PATCH calls: two staff editing the same record at once
never silently overwrite each other. The editor sends back the ``updated_at`` it read; the service,
holding the row lock, compares it with the row's and refuses a stale edit (409) instead of applying it."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict


def version_of(obj) -> str:
    return obj.updated_at.isoformat(timespec="microseconds")


def ensure_version(obj, expected: str | dt.datetime | None) -> None:
    """Raise Conflict when ``expected`` (given) is not the row's current version."""
    if expected is None or expected == "":
        return
    if isinstance(expected, str):
        try:
            expected = dt.datetime.fromisoformat(expected)
        except ValueError:
            raise Conflict(_("记录版本无效,请刷新后重试"), code="stale", extra={"field": "version"}) from None
    current = obj.updated_at
    if expected.microsecond % 1000 == 0:  # JSON carries milliseconds only
        current = current.replace(microsecond=current.microsecond // 1000 * 1000)
    if expected != current:
        raise Conflict(_("这条记录已被他人修改(%(at)s),请刷新查看后重新修改")
                       % {"at": timezone.localtime(obj.updated_at).strftime("%Y-%m-%d %H:%M:%S")},
                       code="stale", extra={"field": "version"})
