"""Demo volunteers for the demo district: about 2% of each community's residents registered (linked
to the registry), two outside volunteers per community (phone encrypted), past activities with
confirmed hours, upcoming ones open for sign-up, and one call-out per community with answers.
Deterministic (``random.Random(seed)``); rows written in bulk, fast at the small scale."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shequ.core import crypto
from shequ.jurisdiction.models import SCOPE_LEVELS, Level, Node
from shequ.registry.models import Resident

from .models import Activity, CallOut, CallOutReply, SignUp, Skill, Volunteer

LOCATED = [f"{level}_id" for level in SCOPE_LEVELS]
TITLES = [("楼道清理", "sanitation"), ("敬老院探访", "elderly_care"), ("义诊进社区", "first_aid"), ("四点半课堂", "tutoring"),
          ("法律咨询服务日", "legal_aid"), ("家电义务维修", "repair"), ("夜间治安巡逻", "patrol"), ("文明劝导", "culture")]
OUTSIDERS = ["周志愿", "吴热心", "郑爱心", "王红梅", "冯建国", "陈晓光"]


def _loc(row: dict) -> dict:
    return {f: row[f] for f in LOCATED}


@transaction.atomic
def load_demo(*, district_code: str, seed: int = 20250630, now: dt.datetime | None = None) -> dict[str, int]:
    rng = random.Random(seed + 6)
    now = now or timezone.now()
    district = Node.objects.filter(code=district_code).first()
    if district is None:
        return {}
    if not Skill.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("shequ.volunteers.migrations.0002_default_skills").load(apps, None)
    skills = {s.code: s for s in Skill.objects.all()}
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY).order_by("path"))
    counts = {"volunteers": 0, "activities": 0, "signups": 0, "callouts": 0}
    for c_index, community in enumerate(communities):
        residents = list(Resident.objects.filter(community=community, status=Resident.Status.ACTIVE,
                                                 birth_date__lte=dt.date(2007, 1, 1))
                         .order_by("id").values("id", *LOCATED))
        if not residents:
            continue
        picked = rng.sample(residents, max(4, len(residents) // 50))
        grids = sorted({r["grid_id"] for r in residents if r["grid_id"]})
        volunteers = [Volunteer(resident_id=r["id"], registered_at=now - dt.timedelta(days=rng.randint(30, 700)),
                                emergency_ready=rng.random() < 0.7, **_loc(r)) for r in picked]
        for k in range(2):
            phone = f"13{rng.randint(5, 9)}{rng.randint(10000000, 99999999)}"
            grid = Node.objects.get(pk=rng.choice(grids)) if grids else community
            v = Volunteer(name=OUTSIDERS[(c_index + k) % len(OUTSIDERS)], phone=phone,
                          phone_hash=crypto.blind_index("phone", phone), registered_at=now - dt.timedelta(days=rng.randint(30, 400)))
            v.copy_location(grid)
            volunteers.append(v)
        Volunteer.objects.bulk_create(volunteers)
        volunteers = list(Volunteer.objects.filter(community=community).order_by("id"))
        Volunteer.skills.through.objects.bulk_create([
            Volunteer.skills.through(volunteer_id=v.pk, skill_id=s.pk)
            for v in volunteers for s in rng.sample(list(skills.values()), rng.randint(1, 3))])
        counts["volunteers"] += len(volunteers)
        signups = []
        for a_index in range(6):
            title, skill = TITLES[(c_index + a_index) % len(TITLES)]
            past = a_index < 4
            start = (now - dt.timedelta(days=rng.randint(3, 80))) if past else (now + dt.timedelta(days=rng.randint(2, 20)))
            start = start.replace(minute=0, second=0, microsecond=0)
            hours = Decimal(rng.choice(["2.0", "2.5", "3.0", "4.0"]))
            activity = Activity(title=title, kind=Activity.Kind.SERVICE, node=community, place=f"{community.name}党群服务中心",
                                starts_at=start, ends_at=start + dt.timedelta(hours=float(hours)), capacity=rng.choice([8, 10, 15]),
                                hours=hours, status=Activity.Status.FINISHED if past else Activity.Status.OPEN,
                                description=f"{title},欢迎志愿者报名参加。")
            activity.copy_location(community)
            activity.save()
            activity.skills.add(skills[skill])
            counts["activities"] += 1
            for v in rng.sample(volunteers, min(len(volunteers), rng.randint(3, activity.capacity))):
                s = SignUp(activity=activity, volunteer=v, signed_at=start - dt.timedelta(days=rng.randint(1, 5)))
                if past:
                    if rng.random() < 0.9:
                        s.status, s.checked_in_at = SignUp.Status.CONFIRMED, start
                        s.hours, s.confirmed_at = hours, activity.ends_at + dt.timedelta(hours=1)
                    else:
                        s.status = SignUp.Status.ABSENT
                signups.append(s)
        SignUp.objects.bulk_create(signups)
        counts["signups"] += len(signups)
        called = [v for v in volunteers if v.grid_id == (grids[0] if grids else None)]
        if called:
            grid = Node.objects.get(pk=grids[0])
            callout = CallOut(kind=rng.choice(CallOut.Kind.values), node=grid, needed=3,
                              message="汛期来临,请网格志愿者协助入户排查、转移独居老人。", called_at=now - dt.timedelta(days=rng.randint(1, 20)))
            callout.copy_location(grid)
            callout.save()
            CallOutReply.objects.bulk_create([
                CallOutReply(callout=callout, volunteer=v, answer=rng.choice(["yes", "yes", "no", "pending"]),
                             answered_at=callout.called_at + dt.timedelta(minutes=rng.randint(5, 120))) for v in called])
            CallOutReply.objects.filter(callout=callout, answer="pending").update(answered_at=None)
            counts["callouts"] += 1
    return counts
