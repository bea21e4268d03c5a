"""Demo social organizations for the demo district (``shequ demo`` calls ``load_socialorgs_demo`` once).

Deterministic (``random.Random(seed)``). Most communities get fewer than 3 organizations and a few
reach the target of 10 (the report's finding: most communities have fewer than 3); the registry's
social-organization units are linked to an organization of their community. A few
government-purchased service projects per street, in every state.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shequ.appeals.deadlines import SHANGHAI
from shequ.jurisdiction.models import Level, Node
from shequ.registry.models import Establishment

from .models import ServiceProject, SocialOrganization

CATALOG = [
    ("life_service", "", "便民服务队"), ("life_service", "", "家政互助社"), ("charity", "", "志愿服务队"),
    ("charity", "", "爱心基金会"), ("mutual_aid", "", "邻里互助会"), ("mutual_aid", "", "楼栋议事会"),
    ("specific_group", "elderly", "老年协会"), ("specific_group", "children", "四点半课堂"),
    ("specific_group", "disabled", "助残服务社"), ("specific_group", "women", "巾帼志愿队"),
    ("specific_group", "veterans", "退役军人服务队"), ("other", "", "文体队"),
]
PROJECTS = ["居家养老助餐", "四点半课堂托管", "社区心理疏导", "困境儿童关爱", "老旧小区议事协商", "垃圾分类督导"]


@transaction.atomic
def load_socialorgs_demo(*, seed: int = 20250630, out=lambda msg: None) -> dict[str, int]:
    rng = random.Random(seed + 7)
    today = timezone.now().astimezone(SHANGHAI).date()
    linked = {}
    for unit in Establishment.objects.filter(kind="social_organization").order_by("id"):
        linked.setdefault(unit.community_id, []).append(unit)
    orgs = []
    for community in Node.objects.filter(level=Level.COMMUNITY).order_by("path"):
        n = rng.choices([0, 1, 2, 3, 5, 8, 11], weights=[8, 22, 25, 15, 15, 8, 7])[0]
        units = linked.get(community.pk, [])
        names = set()
        for i, (type_, group, suffix) in enumerate(rng.sample(CATALOG, min(n, len(CATALOG)))):
            unit = units[i] if i < len(units) else None
            name = unit.name if unit else f"{community.name}{suffix}"
            if name in names:
                continue
            names.add(name)
            filing = rng.choices(["registered", "filed", "unfiled", "revoked"], weights=[15, 55, 25, 5])[0]
            org = SocialOrganization(name=name, type=type_, served_group=group, community=community, filing=filing,
                                     filed_on=today - dt.timedelta(days=rng.randint(60, 1500)) if filing != "unfiled" else None,
                                     revoked_on=today - dt.timedelta(days=rng.randint(5, 50)) if filing == "revoked" else None,
                                     unit=unit, leader_name=rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["主任", "会长", "队长"]),
                                     member_count=rng.randint(5, 80), activities="定期开展活动,服务社区居民。")
            org.copy_location(community)
            orgs.append(org)
    SocialOrganization.objects.bulk_create(orgs)
    projects = []
    active = [o for o in orgs if o.filing in ("registered", "filed")]
    for org in rng.sample(active, min(len(active), max(3, len(active) // 4))):
        start = today - dt.timedelta(days=rng.randint(0, 400))
        end = start + dt.timedelta(days=rng.choice([90, 180, 365]))
        status = "finished" if end < today else rng.choice(["planned", "running"])
        budget = Decimal(rng.choice([20000, 50000, 80000, 120000, 200000]))
        project = ServiceProject(title=f"{org.community.name}{rng.choice(PROJECTS)}项目", organization=org, place=org.community,
                                 purchaser=rng.choice(["区民政局", "街道办事处", "区妇联", "区残联"]), budget=budget,
                                 start_on=start, end_on=end, status=status,
                                 spent=(budget * Decimal(rng.choice(["0.85", "0.92", "0.98", "1.00"]))).quantize(Decimal("0.01"))
                                 if status == "finished" else None,
                                 beneficiaries=rng.randint(100, 3000) if status == "finished" else None,
                                 results="完成合同约定服务,居民满意度较高。" if status == "finished" else "",
                                 rating=rng.choice(["优秀", "良好", "合格"]) if status == "finished" else "")
        project.copy_location(org.community)
        projects.append(project)
    ServiceProject.objects.bulk_create(projects)
    out(f"  social organizations: {len(orgs)} organizations, {len(projects)} purchased service projects")
    return {"organizations": len(orgs), "projects": len(projects)}
