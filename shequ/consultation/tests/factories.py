"""Shared setup for the consultation tests (on top of the ``world`` fixture)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.consultation import services

FULL_PANEL = [
    {"kind": "resident_rep", "name": "张代表"},
    {"kind": "deputy", "name": "李委员", "organization": "区政协委员"},
    {"kind": "committee", "name": "赵书记", "organization": "社区党委"},
    {"kind": "property", "name": "钱经理", "organization": "某某物业"},
    {"kind": "owners_committee", "name": "孙主任", "organization": "业委会"},
]


def topic(world, actor: str = "worker_a", community: str = "A", **kw):
    kw.setdefault("title", "小区增设电动自行车充电桩")
    kw.setdefault("description", "居民反映楼道充电有火灾隐患,建议在小区内集中设置充电桩。")
    return services.topic_raise(actor=world.users[actor], community_id=world.nodes[community].pk, **kw)


def voting_topic(world, actor: str = "worker_a", community: str = "A", vote_basis: str = "household",
                 options=("在3号楼北侧设置", "在小区东门设置"), **kw):
    """A topic accepted, with options and a meeting of the required kinds, and its vote open."""
    t = topic(world, actor=actor, community=community, vote_basis=vote_basis, **kw)
    user = world.users[actor]
    services.topic_accept(actor=user, topic_id=t.pk)
    for text in options:
        services.option_add(actor=user, topic_id=t.pk, text=text)
    if t.kind == "covenant" and not t.covenant_text:
        services.topic_draft_set(actor=user, topic_id=t.pk, covenant_text="第一条 爱护公共设施……")
    services.meeting_record(actor=user, topic_id=t.pk, held_at=timezone.now() - dt.timedelta(days=1),
                            minutes="各方充分讨论,形成两个方案。", participants=FULL_PANEL, place="社区议事厅")
    return services.vote_open(actor=user, topic_id=t.pk, closes_at=timezone.now() + dt.timedelta(days=7))


def options_of(t):
    return list(t.options.order_by("order"))
