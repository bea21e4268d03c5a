"""Test data for agency: the default catalog (re-created if a flush removed the migration's rows),
an open-case helper and the fixed clock of the appeals tests."""
from __future__ import annotations

import datetime as dt
import importlib

from shequ.agency import services
from shequ.agency.models import Matter
from shequ.appeals.tests.factories import THURSDAY_10  # noqa: F401 - re-exported clock

_defaults = importlib.import_module("shequ.agency.migrations.0002_default_matters")


def ensure_matters() -> None:
    from django.apps import apps

    _defaults.load(apps, None)


def matter(code: str = "elderly_allowance") -> Matter:
    ensure_matters()
    return Matter.objects.get(code=code)


def open_case(world, *, actor: str = "worker_a", resident: str = "A101h", code: str = "elderly_allowance",
              now: dt.datetime = THURSDAY_10, **kwargs):
    return services.case_open(actor=world.users[actor], resident_id=world.residents[resident].pk, matter=matter(code),
                              now=now, **kwargs)


def finish_steps(world, case, *, actor: str = "worker_a", now: dt.datetime = THURSDAY_10):
    for step in case.steps.order_by("order"):
        services.case_step_finish(actor=world.users[actor], case_id=case.pk, step_id=step.pk, now=now)
