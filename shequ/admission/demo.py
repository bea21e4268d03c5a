"""Demo data of work admission for the demo district: the default lists in force since January,
a year of department requests (on-list, funded assisting work, off-list ones approved, returned,
rejected and pending, one answered by data reuse), their assignments (done, open, overdue, one
passed to a grid), unadmitted work flagged by communities, seal uses and certificates, plaques
(the three allowed and some that are not). Deterministic (``seed``); everything goes through the
services, with the clock set back, so the records are what real use would have left.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import AdmissionList, Assignment, Category, WorkTask

#: (department code suffix, title, duty class, list category or None, ledgers, forms, data fields)
REQUESTS = [
    ("MZ", "城乡低保年度复核入户核查", "assisting", Category.ASSISTING, 1, 3, []),
    ("MZ", "高龄津贴申领资格认证", "assisting", Category.ASSISTING, 1, 2, []),
    ("MZ", "社区协商议事年度计划报送", "basic", Category.DUTY, 0, 1, []),
    ("RS", "就业困难人员登记核实", "assisting", Category.ASSISTING, 2, 4, []),
    ("WJ", "65岁以上老人健康档案入户统计", "assisting", None, 3, 6, ["name", "birth_date", "phone", "tags"]),
    ("CG", "背街小巷环境整治巡查台账", "assisting", None, 4, 8, []),
    ("GA", "出租房屋和流动人口信息核查", "assisting", Category.ASSISTING, 2, 2, ["name", "id_number", "house_code"]),
    ("YJ", "防汛应急物资清点", "assisting", Category.ASSISTING, 1, 1, []),
    ("SJ", "辖区商铺食品安全宣传签名", "assisting", None, 2, 5, []),
    ("ZJ", "老旧小区加装电梯意愿调查", "service", None, 1, 3, ["household_address", "household_head"]),
    ("HB", "垃圾分类入户宣传打卡", "assisting", None, 16, 12, []),
    ("MZ", "居民公约修订征求意见", "basic", Category.DUTY, 0, 1, []),
]
UNADMITTED = [
    ("CG", "创卫迎检台账整理(微信群通知)", "chat", 3, 6),
    ("HB", "环保宣传照片每日报送", "chat", 1, 30),
    ("SJ", "填报辖区餐饮单位统计表", "phone", 0, 4),
    ("ZJ", "物业小区消防通道排查表", "paper", 2, 3),
    ("", "某协会会员发展任务", "meeting", 0, 2),
]
EXTRA_PLAQUES = [("CG", "城市管理工作站"), ("HB", "环境保护监督站"), ("SJ", "食品安全工作站"), ("MZ", "老年协会"),
                 ("WJ", "计划生育协会"), ("RS", "劳动保障服务站")]


def load_admission_demo(*, seed: int = 20250630, out=None) -> dict:
    """Fill the admission module of the demo district (idempotent: does nothing when it has lists)."""
    from shequ.accounts.models import User
    from shequ.demo.loader import DISTRICT_CODE
    from shequ.jurisdiction.models import Department, Level, Node

    say = out or (lambda *_: None)
    district = Node.objects.filter(code=DISTRICT_CODE, level=Level.DISTRICT).first()
    admin = User.objects.filter(username="admin").first()
    office = User.objects.filter(username="office").first() or admin
    if district is None or admin is None or AdmissionList.objects.filter(district=district).exists():
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    year_start = today - dt.timedelta(days=365)  # the lists are in force for the whole demo year
    services.list_install_defaults(actor=office, district_id=district.pk, effective_from=year_start,
                                   now=timezone.make_aware(dt.datetime.combine(year_start, dt.time(9))))
    admission_list = AdmissionList.objects.get(district=district)
    items = {c: list(admission_list.items.filter(category=c).order_by("sort")) for c in Category.values}
    departments = {d.code.rsplit("-", 1)[-1]: d for d in Department.objects.filter(district=district)}
    communities = list(Node.objects.filter(level=Level.COMMUNITY, district=district).order_by("path"))
    if not communities or not departments:
        return {}
    counts = {"tasks": 0, "flags": 0, "stamps": 0, "plaques": 0}
    span = 300
    for i, (code, title, duty_class, category, ledgers, forms, fields) in enumerate(REQUESTS):
        department = departments.get(code)
        if department is None:
            continue
        filed = now - dt.timedelta(days=rng.randint(20, span))
        deadline = timezone.localtime(filed).date() + dt.timedelta(days=rng.choice([10, 20, 30, 45]))
        targets = rng.sample(communities, k=max(1, min(len(communities), rng.randint(len(communities) // 2, len(communities)))))
        item_id = rng.choice(items[category]).pk if category else None
        funded = duty_class != "basic" or category is None
        task = services.task_submit(
            actor=admin, department_id=department.pk, now=filed, title=title, description=f"{title},请按要求完成并报送。",
            duty_class=duty_class, list_item_id=item_id, deadline=deadline, community_ids=[c.pk for c in targets],
            legal_basis="" if category else "《城市居民委员会组织法》第四条及部门职责", purpose="" if category else f"完成{title}",
            funding_mode="per_community" if funded else "none", funding_amount=Decimal(rng.choice([800, 1500, 2000, 3000])) if funded else 0,
            funding_source="部门业务经费" if funded else "", data_fields=fields, collection_only=bool(fields) and i % 2 == 0,
            ledgers_demanded=ledgers, forms_demanded=forms)
        counts["tasks"] += 1
        if task.status == WorkTask.Status.PENDING:
            decided = filed + dt.timedelta(days=2)
            if title.startswith("老旧小区"):
                continue  # one stays pending for the office's desk
            if title.startswith("辖区商铺"):
                services.task_return(actor=office, task_id=task.pk, reason="请补充经费测算和数据项说明", now=decided)
                continue
            if title.startswith("垃圾分类"):
                services.task_reject(actor=office, task_id=task.pk, reason="属部门自身职责,不得转嫁社区", now=decided)
                continue
            services.task_approve(actor=office, task_id=task.pk, reason="同意准入,经费随事拨付", now=decided)
        for row in Assignment.objects.filter(task=task, parent__isnull=True).select_related("node"):
            late = row.due_on < today
            roll = rng.random()
            if roll < 0.15 and row.node.code.endswith("001"):
                grids = list(Node.objects.filter(level=Level.GRID, community_id=row.node_id).order_by("path")[:1])
                if grids and row.due_on >= today:
                    services.assignment_forward(actor=admin, assignment_id=row.pk, grid_ids=[grids[0].pk], now=now)
                    continue
            if (late and roll < 0.8) or (not late and roll < 0.35):
                done = min(now, timezone.make_aware(dt.datetime.combine(row.due_on, dt.time(16))) - dt.timedelta(days=rng.randint(0, 3)))
                services.assignment_complete(actor=admin, assignment_id=row.pk, result="已按要求完成并报送", now=max(done, row.received_at))
    for j, (code, title, channel, ledgers, forms) in enumerate(UNADMITTED * 3):
        community = communities[(j * 7) % len(communities)]
        department = departments.get(code)
        services.unadmitted_flag(actor=admin, community_id=community.pk, title=title, channel=channel,
                                 received_on=today - dt.timedelta(days=rng.randint(1, span)),
                                 department_id=department.pk if department else None,
                                 department_name="" if department else "区某行业协会",
                                 ledgers_demanded=ledgers, forms_demanded=forms, now=now)
        counts["flags"] += 1
    for community in communities:
        for plaque in items[Category.PLAQUE]:
            services.plaque_record(actor=admin, community_id=community.pk, name=plaque.name, item_id=plaque.pk,
                                   put_up_on=dt.date(2019, 1, 1), now=now)
            counts["plaques"] += 1
        for code, name in rng.sample(EXTRA_PLAQUES, k=rng.randint(0, 4)):
            services.plaque_record(actor=admin, community_id=community.pk, name=name, department_id=departments[code].pk
                                   if code in departments else None, put_up_on=dt.date(2021, 6, 1), now=now)
            counts["plaques"] += 1
        for _n in range(rng.randint(2, 6)):
            kind = rng.choice(["seal", "certificate"])
            pool = items[Category.SEAL if kind == "seal" else Category.CERTIFICATE]
            on_list = rng.random() < 0.75
            picked = rng.choice(pool)
            services.stamp_record(actor=admin, community_id=community.pk, kind=kind,
                                  matter=picked.name if on_list else rng.choice(["无犯罪记录证明", "亲属关系证明", "房屋产权证明"]),
                                  item_id=picked.pk if on_list else None, requester="居民",
                                  override_reason="" if on_list or rng.random() < 0.6 else "人民法院协助调查函",
                                  now=now - dt.timedelta(days=rng.randint(1, span)))
            counts["stamps"] += 1
    say(f"  admission: {counts['tasks']} department requests, {counts['flags']} unadmitted flags, "
        f"{counts['stamps']} seal uses and certificates, {counts['plaques']} plaques")
    return counts
