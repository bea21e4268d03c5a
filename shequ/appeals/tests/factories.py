"""Test data for appeals: the default catalog (re-created if a flush removed the migration's rows)
and a submit helper with a fixed clock."""
from __future__ import annotations

import datetime as dt
import importlib

from shequ.appeals import services
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import ServiceCategory, TimeLimitClass

_defaults = importlib.import_module("shequ.appeals.migrations.0002_default_catalog")

#: Thursday 2026-11-26 10:00 in Shanghai.
THURSDAY_10 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)

POINT_IN = {"A": (116.2, 39.2), "B": (118.2, 39.2), "C": (120.2, 39.2)}  # inside each community's grid
POINT_NOWHERE = (100.0, 30.0)


def ensure_catalog() -> None:
    from django.apps import apps

    _defaults.load(apps, None)


def category(code: str) -> ServiceCategory:
    ensure_catalog()
    return ServiceCategory.objects.select_related("time_limit").get(code=code)


def time_limit(code: str) -> TimeLimitClass:
    ensure_catalog()
    return TimeLimitClass.objects.get(code=code)


def submit(*, actor=None, code: str = "noise_neighbor", at: str | None = "A", channel: str = "window",
           now: dt.datetime = THURSDAY_10, **kwargs):
    """Submit an appeal located in community ``at`` (by point), or with no place when ``at`` is None."""
    if at is not None and "lng" not in kwargs and "address_text" not in kwargs:
        kwargs["lng"], kwargs["lat"] = POINT_IN[at]
    kwargs.setdefault("description", "楼上夜间噪声扰民")
    return services.appeal_submit(actor=actor, channel=channel, category=category(code), now=now, **kwargs)
