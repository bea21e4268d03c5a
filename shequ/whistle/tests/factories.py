"""Test data for whistles: two more departments of the test district, a user for one of them,
and a helper that blows a whistle with a fixed clock."""
from __future__ import annotations

import datetime as dt

from shequ.appeals.deadlines import SHANGHAI
from shequ.whistle import services

#: Thursday 2026-11-26 10:00 in Shanghai (the appeals tests' clock).
THURSDAY_10 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


def add_departments(world) -> None:
    """Housing (住建) and urban management (城管) beside the world's civil affairs, and ``dept_housing``."""
    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.core.testing import PASSWORD
    from shequ.jurisdiction.models import Department

    district = world.nodes["district"]
    world.departments["housing"] = Department.objects.create(district=district, kind="housing", name="住建委", code="D-ZJ")
    world.departments["urban"] = Department.objects.create(district=district, kind="urban_management", name="城管委",
                                                           code="D-CG")
    world.users["dept_housing"] = user_create(actor=world.users["admin"], username="dept_housing", password=PASSWORD,
                                              role=Role.DEPARTMENT, departments=[world.departments["housing"]])


def blow(world, *, departments=("civil", "housing"), at: str = "A", actor: str = "street_s1",
         now: dt.datetime = THURSDAY_10, **kwargs):
    """A whistle by ``actor`` placed in community ``at`` (or a street key like "S1") calling ``departments``."""
    kwargs.setdefault("title", "小区违建占用消防通道")
    kwargs.setdefault("description", "甲社区3号楼旁违建,占用消防通道,街道无执法权")
    return services.whistle_create(actor=world.users[actor], place=world.nodes[at],
                                   department_ids=[world.departments[d].pk for d in departments], now=now, **kwargs)


def target_of(whistle, key: str, world):
    return whistle.targets.get(department=world.departments[key])


def run_to_reply(world, target, *, user: str = "dept", start: dt.datetime = THURSDAY_10, minutes=(5, 20, 60, 120)):
    """Acknowledge, report on site, act and reply, ``minutes`` after ``start`` each."""
    actor = world.users[user]
    at = [start + dt.timedelta(minutes=m) for m in minutes]
    services.target_acknowledge(actor=actor, target_id=target.pk, now=at[0])
    services.target_report_on_site(actor=actor, target_id=target.pk, people="张科长等2人", now=at[1])
    services.target_act(actor=actor, target_id=target.pk, notes="现场勘查,下达整改通知", now=at[2])
    return services.target_reply(actor=actor, target_id=target.pk, reply="违建已拆除,通道恢复畅通", now=at[3])
