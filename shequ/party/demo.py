"""Demo party building for the demo district (``shequ demo`` calls ``load_party_demo`` once).

Deterministic (``random.Random(seed)``), written in bulk. Each community gets a community party
organization (党委 in big ones, else 党总支/党支部) and a branch per grid; about half of the property
companies and a third of the enterprises and social organizations get their own or a joint branch, so
the vacuum list and the sector coverage show real gaps. Joint meetings: most communities hold 1–3 a
year (the report's finding), a few 4 or more, with resolutions in every state. Dual reporting: a
share of the registry's party members register, some never serve; an expected roster lists a few
that never registered. Central households: one in buildings with two or more party members.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from shequ.appeals.deadlines import SHANGHAI
from shequ.jurisdiction.models import Level, Node
from shequ.registry.models import Establishment, Household, Resident

from .models import (COVERED_KINDS, CentralHousehold, DualRegistration, ExpectedRegistrant, JointMeeting,
                     MeetingAttendance, MeetingTopic, PartyOrganization, Resolution, ResolutionFollowUp, ServiceRecord)
from .selectors import PARTY_MEMBER_TAG

TOPICS = ["老旧小区加装电梯", "小区停车难", "垃圾分类", "物业服务质量", "背街小巷整治", "为老服务", "疫情防控物资保障",
          "青少年暑期托管", "消防通道占用", "社区活动场地共享"]
WORKPLACES = ["区财政局", "区税务局", "区人民医院", "区第一中学", "区供电公司", "市自来水公司", "区法院", "区交通局"]
SERVICES = ["垃圾分类宣传", "助老陪护", "文明交通劝导", "社区义诊", "政策宣讲", "环境清洁", "关爱留守儿童"]


def _located(obj, source):
    obj.copy_location(source)
    return obj


@transaction.atomic
def load_party_demo(*, seed: int = 20250630, out=lambda msg: None) -> dict[str, int]:
    rng = random.Random(seed + 6)
    today = timezone.now().astimezone(SHANGHAI).date()
    communities = list(Node.objects.filter(level=Level.COMMUNITY).order_by("path"))
    grids = {}
    for grid in Node.objects.filter(level=Level.GRID).order_by("path"):
        grids.setdefault(grid.community_id, []).append(grid)
    units = {}
    for unit in Establishment.objects.filter(kind__in=COVERED_KINDS).order_by("id"):
        units.setdefault(unit.community_id, []).append(unit)
    members = {}
    for r in Resident.objects.filter(tags__code=PARTY_MEMBER_TAG, status=Resident.Status.ACTIVE,
                                     household__isnull=False).order_by("id"):
        members.setdefault(r.community_id, []).append(r)
    orgs, links, meetings = [], [], []
    for community in communities:
        size = len(grids.get(community.pk, []))
        kind = "committee" if size >= 8 else "general_branch" if size >= 4 else "branch"
        top = _located(PartyOrganization(name=f"中共{community.name}{dict(PartyOrganization.Kind.choices)[kind]}",
                                         kind=kind, node=community, member_count=rng.randint(60, 300),
                                         founded_on=dt.date(rng.randint(1990, 2015), 7, 1)), community)
        top.save()
        orgs.append(top)
        for grid in grids.get(community.pk, [])[:6]:
            orgs.append(_located(PartyOrganization(name=f"{grid.name}党支部", kind="grid_branch", node=grid, parent=top,
                                                   member_count=rng.randint(8, 40)), grid))
        mine = units.get(community.pk, [])
        chosen = [u for u in mine if rng.random() < (0.5 if u.kind == "property_company" else 0.3)]
        named = set()  # generated unit names can repeat within a community; one branch per name
        for unit in chosen[:3]:
            if unit.name in named:
                continue
            named.add(unit.name)
            orgs.append(_located(PartyOrganization(name=f"{unit.name}党支部", kind="branch", node=community, parent=top,
                                                   member_count=rng.randint(3, 15)), community))
            links.append((len(orgs) - 1, [unit.pk]))
        rest = [u for u in mine if u not in chosen]
        if len(rest) >= 3 and rng.random() < 0.4:
            orgs.append(_located(PartyOrganization(name=f"{community.name}非公企业联合党支部", kind="joint_branch",
                                                   node=community, parent=top, member_count=rng.randint(5, 12)), community))
            links.append((len(orgs) - 1, [u.pk for u in rest[:2]]))
    PartyOrganization.objects.bulk_create([o for o in orgs if o.pk is None])
    through = PartyOrganization.units.through
    through.objects.bulk_create([through(partyorganization_id=orgs[i].pk, establishment_id=pk)
                                 for i, pks in links for pk in pks])
    tops = {o.community_id: o for o in orgs if o.node_id == o.community_id and o.parent_id is None}
    attendance, topics, resolutions = [], [], []
    for community in communities:
        held = rng.choices([0, 1, 2, 3, 4, 5], weights=[10, 30, 30, 12, 12, 6])[0]
        for i in range(held + 1):
            day = today - dt.timedelta(days=rng.randint(5, 330))
            done = i < held and day < today
            meeting = _located(JointMeeting(community=community, title=f"{community.name}党建联席会议",
                                            scheduled_on=day if done else today + dt.timedelta(days=rng.randint(3, 40)),
                                            place=f"{community.name}党群服务中心", convener=tops.get(community.pk),
                                            status="held" if done else "scheduled", held_on=day if done else None,
                                            minutes="共商辖区事务,明确分工。" if done else ""), community)
            meetings.append(meeting)
    JointMeeting.objects.bulk_create(meetings)
    for meeting in meetings:
        mine = units.get(meeting.community_id, [])
        for unit in rng.sample(mine, min(len(mine), rng.randint(1, 4))):
            attendance.append(MeetingAttendance(meeting=meeting, unit=unit,
                                                present=(rng.random() < 0.8) if meeting.status == "held" else None))
        for title in rng.sample(TOPICS, 2):
            topics.append(MeetingTopic(meeting=meeting, title=title))
            if meeting.status == "held":
                status = rng.choices(["open", "in_progress", "done"], weights=[2, 3, 5])[0]
                resolutions.append(Resolution(meeting=meeting, text=f"{title}:明确牵头单位,限期推进",
                                              owner_name=rng.choice(mine).name if mine else "社区居委会",
                                              due_on=meeting.held_on + dt.timedelta(days=rng.randint(20, 90)), status=status,
                                              done_on=meeting.held_on + dt.timedelta(days=15) if status == "done" else None))
    MeetingAttendance.objects.bulk_create(attendance)
    MeetingTopic.objects.bulk_create(topics)
    Resolution.objects.bulk_create(resolutions)
    ResolutionFollowUp.objects.bulk_create([
        ResolutionFollowUp(resolution=r, on=r.done_on or r.meeting.held_on + dt.timedelta(days=10),
                           note="已协调落实" if r.status == "done" else "正在推进", status_after=r.status, author_name="demo")
        for r in resolutions if r.status != "open"])
    registrations, expected, records = [], [], []
    for community in communities:
        people = members.get(community.pk, [])
        for person in people:
            roll = rng.random()
            if roll < 0.45:
                registrations.append(_located(DualRegistration(
                    kind="member", community=community, resident=person, workplace=rng.choice(WORKPLACES),
                    registered_on=today - dt.timedelta(days=rng.randint(30, 700))), community))
            elif roll < 0.6:
                expected.append(_located(ExpectedRegistrant(kind="member", community=community, name=person.name,
                                                            resident=person, workplace=rng.choice(WORKPLACES),
                                                            source="demo"), community))
        if rng.random() < 0.7:
            org_name = f"{rng.choice(WORKPLACES)}机关第{rng.randint(1, 3)}党支部"
            registrations.append(_located(DualRegistration(kind="organization", community=community, organization_name=org_name,
                                                           registered_on=today - dt.timedelta(days=rng.randint(60, 700))),
                                          community))
        expected.append(_located(ExpectedRegistrant(kind="organization", community=community, source="demo",
                                                    name=f"{community.name}辖区学校党支部"), community))
    DualRegistration.objects.bulk_create(registrations)
    ExpectedRegistrant.objects.bulk_create(expected, ignore_conflicts=True)
    for reg in registrations:
        if rng.random() < 0.3:  # registered, never served
            continue
        for _ in range(rng.randint(1, 5)):
            day = reg.registered_on + dt.timedelta(days=rng.randint(0, max(0, (today - reg.registered_on).days)))
            status = "pending" if (today - day).days < 20 else rng.choices(["confirmed", "rejected"], weights=[9, 1])[0]
            records.append(ServiceRecord(registration=reg, title=rng.choice(SERVICES), served_on=day,
                                         hours=Decimal(rng.choice(["1.0", "2.0", "2.5", "3.0", "4.0"])), status=status,
                                         confirmed_at=timezone.now() if status != "pending" else None))
    ServiceRecord.objects.bulk_create(records)
    centers, served_links = [], []
    buildings = (Resident.objects.filter(tags__code=PARTY_MEMBER_TAG, status=Resident.Status.ACTIVE, building__isnull=False)
                 .values("building_id").annotate(n=Count("id")).filter(n__gte=2).order_by("building_id"))
    by_id = {r.pk: r for rs in members.values() for r in rs}
    member_by_building = {}
    for r in by_id.values():
        member_by_building.setdefault(r.building_id, []).append(r)
    for row in list(buildings)[:400]:
        person = member_by_building[row["building_id"]][0]
        household = Household.objects.get(pk=person.household_id)
        centers.append(_located(CentralHousehold(household=household, member=person, designated_on=today - dt.timedelta(days=200)),
                                household))
    CentralHousehold.objects.bulk_create(centers, ignore_conflicts=True)
    neighbours = {}
    for h in Household.objects.filter(building_id__in=[c.building_id for c in centers]).values("pk", "building_id").order_by("pk"):
        neighbours.setdefault(h["building_id"], []).append(h["pk"])
    for center in CentralHousehold.objects.filter(building_id__in=list(neighbours)):
        for pk in [p for p in neighbours[center.building_id] if p != center.household_id][:8]:
            served_links.append(CentralHousehold.served.through(centralhousehold_id=center.pk, household_id=pk))
    CentralHousehold.served.through.objects.bulk_create(served_links)
    counts = {"organizations": len(orgs), "meetings": len(meetings), "registrations": len(registrations),
              "services": len(records), "central_households": len(centers)}
    out(f"  party building: {counts['organizations']} organizations, {counts['meetings']} joint meetings, "
        f"{counts['registrations']} dual registrations, {counts['central_households']} central households")
    return counts
