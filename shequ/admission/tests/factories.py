"""Test data for work admission: the default lists in force in the test district, a second
department with its user, and helpers that file requests with a fixed clock."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shequ.admission import services
from shequ.admission.models import AdmissionItem, Category

#: Thursday 2026-11-26 10:00 in Shanghai.
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=timezone.get_fixed_timezone(480))
TODAY = dt.date(2026, 11, 26)
DEADLINE = dt.date(2026, 12, 20)


def setup_admission(world) -> None:
    """The default lists in force in the test district since 2026-01-01, the housing department
    (住建委) and its user ``dept_housing``."""
    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.core.testing import PASSWORD
    from shequ.jurisdiction.models import Department

    world.lists = services.list_install_defaults(actor=world.users["office"], district_id=world.nodes["district"].pk,
                                                 effective_from=dt.date(2026, 1, 1), now=NOW)
    world.departments["housing"] = Department.objects.create(district=world.nodes["district"], kind="housing",
                                                             name="住建委", code="D-ZJ")
    world.users["dept_housing"] = user_create(actor=world.users["admin"], username="dept_housing", password=PASSWORD,
                                              role=Role.DEPARTMENT, departments=[world.departments["housing"]])


def item(world, category: str, n: int = 1) -> AdmissionItem:
    return world.lists.items.filter(category=category).order_by("sort")[n - 1]


def submit(world, *, user: str = "dept", communities=("A",), now: dt.datetime = NOW, **kwargs):
    """A request by ``user`` for ``communities`` (keys of the world's nodes); on-list basic work
    unless told otherwise."""
    kwargs.setdefault("title", "社区居民法治宣传")
    kwargs.setdefault("description", "组织一次宪法宣传活动并报送照片")
    kwargs.setdefault("duty_class", "basic")
    if "list_item_id" not in kwargs and kwargs["duty_class"] == "basic":
        kwargs["list_item_id"] = item(world, Category.DUTY).pk
    kwargs.setdefault("deadline", DEADLINE)
    return services.task_submit(actor=world.users[user], community_ids=[world.nodes[c].pk for c in communities],
                                now=now, **kwargs)


def off_list(world, **kwargs):
    """An off-list request with legal basis, purpose, funding and deadline."""
    kwargs.setdefault("title", "辖区养犬情况摸底")
    kwargs.setdefault("description", "逐户登记养犬情况")
    kwargs.setdefault("duty_class", "assisting")
    kwargs.setdefault("legal_basis", "《动物防疫法》第三十条")
    kwargs.setdefault("purpose", "掌握养犬底数,开展狂犬病防疫")
    kwargs.setdefault("funding_mode", "per_community")
    kwargs.setdefault("funding_amount", Decimal("2000"))
    kwargs["list_item_id"] = None
    return submit(world, **kwargs)
