"""Demo data for workers, the joint review, assessments, funds and facilities of the demo district.

Deterministic (``random.Random(seed)`` and a seeded Faker zh_CN), written through the services as
the demo admin, so every row is audited and valid. Numbers follow the seeds: about 4–12 workers per
community (seed 002: 111 workers for 23 communities; seed 004: up to 20), the post allowances of
seed 001 and pay around the 2.5 × minimum-wage standard (some below it), service centres averaging
about 1,380 ㎡ (seed 003) with some under the 1,000 ㎡ standard or missing, base funding of 50,000 元
per community and 30,000–50,000 元 rewards (以奖代投, seed 003).
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from shequ.core.idcard import make_id_number
from shequ.jurisdiction.models import Level, Node

from . import services
from .models import Candidate, ReviewDepartment, Worker

POSITIONS = ["secretary", "director", "deputy", "committee", "committee", "staff", "staff", "staff", "grid", "grid",
             "staff", "other"]
PAY = {"secretary": (6400, 7600), "director": (6200, 7300), "deputy": (5600, 6800), "committee": (4800, 6400),
       "staff": (4200, 6300), "grid": (3800, 5600), "other": (3500, 5000)}
EDUCATION = (["junior", "senior", "college", "bachelor", "postgraduate"], [6, 22, 36, 32, 4])
CERTIFICATE = (["none", "assistant", "social_worker", "senior"], [62, 26, 11, 1])
GRADES = (["excellent", "competent", "basic", "incompetent"], [15, 72, 11, 2])


@transaction.atomic
def fill(*, seed: int = 20250630, district_code: str = "379901", today: dt.date | None = None) -> dict[str, int]:
    """Fill the workforce module for the demo district; return counts. Does nothing if workers exist."""
    from faker import Faker

    from shequ.accounts.models import User

    district = Node.objects.filter(code=district_code).first()
    actor = User.objects.filter(username="admin", is_superuser=True).first()
    if district is None or actor is None or Worker.objects.filter(district=district).exists():
        return {}
    rng = random.Random(seed + 6)
    fake = Faker("zh_CN")
    fake.seed_instance(seed + 6)
    today = today or dt.date.today()
    counts = {"workers": 0, "candidates": 0, "fundings": 0, "facilities": 0}
    communities = list(Node.objects.filter(level=Level.COMMUNITY, district=district).order_by("path"))
    sequence = 0
    for c_index, community in enumerate(communities):
        village = community.kind == "village"
        size = rng.randint(3, 7) if village else rng.randint(4, 12)
        for i in range(size):
            sequence += 1
            position = POSITIONS[i] if i < len(POSITIONS) else "staff"
            age = rng.choice([rng.randint(24, 35), rng.randint(30, 50), rng.randint(45, 62)] if not village
                             else [rng.randint(30, 45), rng.randint(42, 62), rng.randint(50, 64)])
            birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            low, high = PAY[position]
            pay = Decimal(rng.randrange(low, high, 50)) * (Decimal("0.75") if village else 1)
            worker = services.worker_create(
                actor=actor, community=community, name=fake.name(),
                id_number=make_id_number(community.code[:6], birth, sequence % 1000),
                phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                position=position, education=rng.choices(*EDUCATION)[0] if not village else rng.choice(["junior", "senior", "college"]),
                certificate=rng.choices(*CERTIFICATE)[0], monthly_pay=pay.quantize(Decimal("1")),
                pension_insured=rng.random() < 0.95, medical_insured=rng.random() < 0.95,
                unemployment_insured=rng.random() < 0.7, injury_insured=rng.random() < 0.8,
                hired_on=dt.date(today.year - rng.randint(0, 12), rng.randint(1, 12), 1))
            counts["workers"] += 1
            if rng.random() < 0.5:
                services.training_add(actor=actor, worker_id=worker.pk, title=rng.choice(
                    ["社区治理能力培训", "社会工作者职业水平考试辅导", "岗位培训", "依法办事能力培训"]),
                    start_on=dt.date(today.year - 1, rng.randint(3, 11), rng.randint(1, 28)),
                    hours=Decimal(rng.choice([8, 16, 24, 32])), organizer=rng.choice(["区委党校", "区民政局", "街道"]))
            services.assessment_record(actor=actor, worker_id=worker.pk, year=today.year - 1,
                                       grade=rng.choices(*GRADES)[0], today=dt.date(today.year - 1, 12, 20))
        if rng.random() < 0.85:
            area = rng.randint(350, 900) if rng.random() < 0.3 else rng.randint(1000, 2100)
            services.facility_set(actor=actor, community=community, area=area, built_year=rng.randint(2005, today.year - 1))
            counts["facilities"] += 1
        for year in (today.year - 1, today.year):
            base = services.funding_create(actor=actor, community=community, kind="base", year=year, amount=50000,
                                           allocated_on=dt.date(year, 1, 15), source="市区财政")
            counts["fundings"] += 1
            if year == today.year - 1 or today.month > 3:
                services.spending_add(actor=actor, funding_id=base.pk, amount=rng.randint(15000, 45000),
                                      spent_on=dt.date(year, rng.randint(2, 11 if year < today.year else max(2, today.month)), 10),
                                      purpose=rng.choice(["办公经费", "居民活动", "设施维护", "志愿服务"]))
            if rng.random() < 0.5:
                services.funding_create(actor=actor, community=community, kind="reward", year=year,
                                        amount=rng.choice([30000, 40000, 50000]), allocated_on=dt.date(year, 6, 30),
                                        source="以奖代投", purpose="完成基本职责考核")
                counts["fundings"] += 1
            if rng.random() < 0.3:
                services.funding_create(actor=actor, community=community, kind="task", year=year,
                                        amount=rng.choice([3000, 5000, 8000]), allocated_on=dt.date(year, 4, 1),
                                        source="区直部门", purpose=rng.choice(["人口普查入户", "经济普查", "环保普查"]))
                counts["fundings"] += 1
        if c_index % 4 == 0:
            candidate = services.candidate_create(
                actor=actor, community=community, name=fake.name(), position=rng.choice(["director", "committee", "secretary"]),
                year=today.year, id_number=make_id_number(community.code[:6], dt.date(1985, 3, 3), 800 + c_index % 200))
            counts["candidates"] += 1
            kinds = list(ReviewDepartment.values)[: rng.randint(1, 4)]
            for kind in kinds:
                passed = rng.random() > 0.1
                services.finding_record(actor=actor, candidate_id=candidate.pk, department_kind=kind, passed=passed,
                                        reason="" if passed else "存在涉黑涉恶线索,待核实")
    counts["passed"] = Candidate.objects.filter(district=district, overall="passed").count()
    return counts
