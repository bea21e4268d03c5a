"""Test data for the workforce module: a second street user, department users for the joint review,
and a small fixture of workers, facilities and funds whose figures are counted by hand in the tests.

Hand-count fixture (``staff``), with the default policy (pay standard 2.5 × 2420 = 6050 元/月,
centre standard 1000 ㎡):

    甲社区 A: 王一 6200 助理社工师 本科 1990-05 · 王二 5000 无 高中 1965-03 · 王三 6050 社工师 大专 1985-08
    乙社区 B: 李一 4000 无 大专 1998-01
    丙村   C: 赵一 7000 无 初中 1970-06 · 赵二 (left 2025-06-30) 3000
    facilities: A 1200 ㎡ (meets), B 800 ㎡ (below), C none
    households (the shared world): 2 per community
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shequ.core.idcard import make_id_number
from shequ.workforce import services

DAY = dt.date(2026, 11, 26)


def add_users(world) -> None:
    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.core.testing import PASSWORD
    from shequ.jurisdiction.models import Department

    admin, n = world.users["admin"], world.nodes
    world.users["street_s2"] = user_create(actor=admin, username="street_s2", password=PASSWORD, role=Role.STREET_STAFF,
                                           nodes=[n["S2"]])
    world.users["worker_c"] = user_create(actor=admin, username="worker_c", password=PASSWORD, role=Role.COMMUNITY_WORKER,
                                          nodes=[n["C"]])
    world.users["org"] = user_create(actor=admin, username="org", password=PASSWORD, role=Role.ORGANIZATION,
                                     nodes=[n["district"]])
    for kind, name, code in (("discipline", "纪委监委", "D-JW"), ("political_legal", "政法委", "D-ZF")):
        dept = Department.objects.create(district=n["district"], kind=kind, name=name, code=code)
        world.departments[kind] = dept
        world.users[f"dept_{kind}"] = user_create(actor=admin, username=f"dept_{kind}", password=PASSWORD,
                                                  role=Role.DEPARTMENT, departments=[dept])


def worker(world, community: str, name: str, *, pay, birth: dt.date | None = None, actor: str = "office", seq: int = 0,
           **fields):
    id_number = make_id_number("110105", birth, 500 + seq) if birth else ""
    return services.worker_create(actor=world.users[actor], community=world.nodes[community], name=name,
                                  id_number=id_number, phone=f"1390000{seq:04d}" if birth else "",
                                  monthly_pay=Decimal(str(pay)), hired_on=dt.date(2020, 1, 1), **fields)


def staff(world) -> dict:
    """The hand-count fixture above; returns the workers by name."""
    w = {}
    w["王一"] = worker(world, "A", "王一", pay=6200, birth=dt.date(1990, 5, 1), seq=1, certificate="assistant",
                     education="bachelor", position="secretary", pension_insured=True, medical_insured=True)
    w["王二"] = worker(world, "A", "王二", pay=5000, birth=dt.date(1965, 3, 1), seq=2, education="senior")
    w["王三"] = worker(world, "A", "王三", pay=6050, birth=dt.date(1985, 8, 1), seq=3, certificate="social_worker",
                     education="college", pension_insured=True, medical_insured=True)
    w["李一"] = worker(world, "B", "李一", pay=4000, birth=dt.date(1998, 1, 1), seq=4, education="college")
    w["赵一"] = worker(world, "C", "赵一", pay=7000, birth=dt.date(1970, 6, 1), seq=5, education="junior")
    w["赵二"] = worker(world, "C", "赵二", pay=3000, seq=6, education="junior")
    services.worker_update(actor=world.users["office"], worker_id=w["赵二"].pk, status="left", left_on=dt.date(2025, 6, 30))
    office = world.users["office"]
    services.facility_set(actor=office, community=world.nodes["A"], area=1200)
    services.facility_set(actor=office, community=world.nodes["B"], area=800)
    services.funding_create(actor=office, community=world.nodes["A"], kind="base", year=2026, amount=50000,
                            allocated_on=dt.date(2026, 1, 10))
    services.funding_create(actor=office, community=world.nodes["A"], kind="reward", year=2026, amount=30000,
                            allocated_on=dt.date(2026, 6, 1))
    services.funding_create(actor=office, community=world.nodes["C"], kind="task", year=2026, amount=8000,
                            allocated_on=dt.date(2026, 3, 1), purpose="人口普查入户")
    services.funding_create(actor=office, community=world.nodes["B"], kind="base", year=2025, amount=50000,
                            allocated_on=dt.date(2025, 1, 10))
    return w
