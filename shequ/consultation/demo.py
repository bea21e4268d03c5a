"""Demo consultations for the demo district: per community a decided topic with its implementation
(one item done on time, one late, one still open past its deadline), a topic in its vote, a topic
just raised by a resident; every village revises its 村规民约 (filed and published in some). Ballots
follow the one-per-household rule. Deterministic (``random.Random(seed)``)."""
from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from shequ.jurisdiction.models import Level, Node
from shequ.registry.models import Resident

from .models import Action, Meeting, Option, Participant, Topic, Vote
from .services import local_date

ORDINARY = [
    ("小区增设电动自行车集中充电桩", "楼道充电存在火灾隐患,居民建议集中设置充电桩。", ["在小区北侧空地设置", "在地下车库入口设置"]),
    ("老旧小区加装电梯费用分摊", "部分楼栋居民提出加装电梯,需协商费用分摊方式。", ["按楼层系数分摊", "各户平均分摊"]),
    ("规范小区停车秩序", "外来车辆占用消防通道,居民要求规范停车。", ["施划车位、外来车辆限时停放", "实行车辆登记、错时停车"]),
    ("公共绿地改造为健身场地", "居民希望增加健身设施。", ["改造东侧绿地", "保留绿地,在广场增设器材"]),
]
PANEL = [("resident_rep", "居民代表", ""), ("deputy", "区人大代表", "区人大代表"), ("committee", "社区党委书记", "社区党委"),
         ("property", "物业项目经理", "物业服务企业"), ("owners_committee", "业委会主任", "业主委员会")]


def _topic(community: Node, **fields) -> Topic:
    topic = Topic(**fields)
    topic.copy_location(community)
    topic.save()
    topic.number = f"XS{local_date(topic.raised_at):%Y}{topic.pk:06d}"
    topic.save(update_fields=["number"])
    return topic


def _prepare(topic: Topic, options: list[str], held_at: dt.datetime, rng) -> list[Option]:
    made = [Option.objects.create(topic=topic, order=i, text=text) for i, text in enumerate(options, start=1)]
    meeting = Meeting.objects.create(topic=topic, held_at=held_at, place="社区议事厅",
                                     minutes="各方代表充分发表意见,形成备选方案,提交表决。")
    Participant.objects.bulk_create([Participant(meeting=meeting, kind=kind, name=f"{label}{rng.randint(1, 9)}号",
                                                 organization=org) for kind, label, org in PANEL])
    return made


def _votes(topic: Topic, options: list[Option], voters: list[dict], share: float, at: dt.datetime, rng) -> int:
    chosen = voters[: int(len(voters) * share)]
    weights = [0.62, 0.38] if len(options) == 2 else [1 / len(options)] * len(options)
    Vote.objects.bulk_create([
        Vote(topic=topic, option=rng.choices(options, weights=weights)[0], resident_id=v["id"], household_id=v["household_id"],
             ballot_key=f"h{v['household_id']}", cast_at=at + dt.timedelta(hours=rng.randint(1, 60))) for v in chosen])
    return len(chosen)


@transaction.atomic
def load_demo(*, district_code: str, seed: int = 20250630, now: dt.datetime | None = None) -> dict[str, int]:
    rng = random.Random(seed + 7)
    now = now or timezone.now()
    today = local_date(now)
    district = Node.objects.filter(code=district_code).first()
    if district is None:
        return {}
    counts = {"topics": 0, "votes": 0, "actions": 0}
    for index, community in enumerate(Node.objects.filter(district=district, level=Level.COMMUNITY).order_by("path")):
        heads = {}
        for row in (Resident.objects.filter(community=community, status=Resident.Status.ACTIVE, household__isnull=False)
                    .order_by("id").values("id", "household_id")):
            heads.setdefault(row["household_id"], row)
        voters = list(heads.values())
        rng.shuffle(voters)
        if not voters:
            continue
        title, text, options = ORDINARY[index % len(ORDINARY)]
        raised = now - dt.timedelta(days=rng.randint(80, 150))
        decided_at = raised + dt.timedelta(days=30)
        done = _topic(community, title=title, description=text, raised_by=Topic.RaisedBy.RESIDENT,
                      raised_by_resident_id=voters[0]["id"], raised_at=raised, vote_basis=Topic.VoteBasis.HOUSEHOLD,
                      required_kinds=["resident_rep", "deputy", "property", "owners_committee"], status=Topic.Status.DECIDED,
                      vote_opens_at=raised + dt.timedelta(days=20), vote_closes_at=decided_at, eligible_count=len(voters),
                      decision=f"经协商表决,采纳“{options[0]}”方案。", decided_at=decided_at, published_at=decided_at)
        opts = _prepare(done, options, raised + dt.timedelta(days=10), rng)
        counts["votes"] += _votes(done, opts, voters, 0.55, done.vote_opens_at, rng)
        done.chosen_option = opts[0]
        done.save(update_fields=["chosen_option"])
        deadline = local_date(decided_at) + dt.timedelta(days=30)
        Action.objects.bulk_create([
            Action(topic=done, text="制定实施方案并公示", owner="社区居委会", deadline=deadline,
                   done_at=decided_at + dt.timedelta(days=10), result="方案已在公示栏和小程序公示"),
            Action(topic=done, text="组织施工", owner="物业服务企业", deadline=deadline + dt.timedelta(days=20),
                   done_at=(decided_at + dt.timedelta(days=65)) if index % 3 else None,
                   result="已完工" if index % 3 else ""),
            Action(topic=done, text="验收并向居民通报", owner="社区居委会", deadline=max(today + dt.timedelta(days=15), deadline)),
        ])
        counts["actions"] += 3
        title2, text2, options2 = ORDINARY[(index + 1) % len(ORDINARY)]
        voting = _topic(community, title=title2, description=text2, raised_by=Topic.RaisedBy.COMMITTEE,
                        raised_at=now - dt.timedelta(days=20), vote_basis=Topic.VoteBasis.HOUSEHOLD,
                        required_kinds=["resident_rep", "deputy"], status=Topic.Status.VOTING,
                        vote_opens_at=now - dt.timedelta(days=2), vote_closes_at=now + dt.timedelta(days=5),
                        eligible_count=len(voters))
        opts2 = _prepare(voting, options2, now - dt.timedelta(days=5), rng)
        counts["votes"] += _votes(voting, opts2, voters[1:], 0.2, voting.vote_opens_at, rng)
        _topic(community, title="增设社区休闲座椅", description="小区广场缺少座椅,老人散步无处休息。",
               raised_by=Topic.RaisedBy.RESIDENT, raised_by_resident_id=voters[-1]["id"], raised_at=now - dt.timedelta(days=3))
        counts["topics"] += 3
        if community.kind == "village" or index % 6 == 0:
            name = "村规民约" if community.kind == "village" else "居民公约"
            filed = index % 2 == 0
            c_raised = now - dt.timedelta(days=120)
            covenant = _topic(
                community, kind=Topic.Kind.COVENANT, title=f"修订{community.name}{name}", raised_by=Topic.RaisedBy.COMMITTEE,
                description=f"依照民政部等七部门《关于做好村规民约和居民公约工作的指导意见》修订{name}。",
                covenant_text="第一条 爱党爱国,遵纪守法。\n第二条 移风易俗,红白喜事简办。\n第三条 爱护环境,垃圾分类投放。\n"
                              "第四条 邻里和睦,互帮互助。",
                raised_at=c_raised, vote_basis=Topic.VoteBasis.HOUSEHOLD, quorum_percent=67,
                required_kinds=["resident_rep", "deputy", "committee"],
                status=Topic.Status.PUBLISHED if filed else Topic.Status.FILING, vote_opens_at=c_raised + dt.timedelta(days=30),
                vote_closes_at=c_raised + dt.timedelta(days=40), eligible_count=len(voters),
                decision=f"{name}修订稿经户代表表决通过。", decided_at=c_raised + dt.timedelta(days=40),
                filing_number=f"备〔{today.year}〕{index + 1}号" if filed else "",
                filed_at=c_raised + dt.timedelta(days=50) if filed else None,
                published_at=c_raised + dt.timedelta(days=55) if filed else None)
            c_opts = _prepare(covenant, ["同意修订稿", "不同意"], c_raised + dt.timedelta(days=20), rng)
            counts["votes"] += _votes(covenant, c_opts, voters, 0.8, covenant.vote_opens_at, rng)
            covenant.chosen_option = c_opts[0]
            covenant.save(update_fields=["chosen_option"])
            counts["topics"] += 1
    return counts
