"""The consultation API (社区协商), at /api/consultation: topics through their procedure (accept,
options, meetings, vote, decision, implementation; a covenant's filing and publication), the
resident's own community (``/mine``, voting) and the published topics (``/public``, no login).

Reads go through ``selectors`` (scoped: missing and foreign topics are both 404; a resident sees
only their community's), writes through ``services`` (role 403, illegal move 409, bad input 422
naming the field, audited). No ballot is ever listed with who cast it.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree_selectors

from . import selectors, services
from .models import ParticipantKind, Topic

router = Router(tags=["社区协商"])

KindName = Literal[tuple(Topic.Kind.values)]  # type: ignore[valid-type]
RaisedByName = Literal[tuple(Topic.RaisedBy.values)]  # type: ignore[valid-type]
BasisName = Literal[tuple(Topic.VoteBasis.values)]  # type: ignore[valid-type]
ParticipantKindName = Literal[tuple(ParticipantKind.values)]  # type: ignore[valid-type]


class OptionOut(Schema):
    id: int
    order: int
    text: str
    votes: int | None = Field(None, description="得票(表决结束后公开)")


class ParticipantOut(Schema):
    kind: str
    name: str
    organization: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class MeetingOut(Schema):
    id: int
    held_at: dt.datetime
    place: str
    minutes: str
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_participants(obj) -> list:
        return list(obj.participants.all())


class ActionOut(Schema):
    id: int
    text: str
    owner: str
    deadline: dt.date
    done_at: dt.datetime | None
    result: str
    state: str = Field(..., description="done 按期完成 / late 逾期完成 / overdue 逾期未完成 / open 未到期")

    @staticmethod
    def resolve_state(obj) -> str:
        return selectors.action_state(obj, services.local_date(timezone.now()))


class TopicOut(Schema):
    id: int
    number: str
    kind: str
    title: str
    status: str
    status_label: str
    community: str
    raised_by: str
    raised_at: dt.datetime
    vote_basis: str
    vote_closes_at: dt.datetime | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name if obj.community_id else ""


def _options(topic: Topic, with_votes: bool) -> list[dict]:
    rows = selectors.topic_tally(topic=topic)
    return [{"id": r["option"].pk, "order": r["option"].order, "text": r["option"].text,
             "votes": r["votes"] if with_votes else None} for r in rows]


class TopicDetailOut(TopicOut):
    description: str
    covenant_text: str
    required_kinds: list[str]
    missing_kinds: list[str] = Field(..., description="已召开的协商会议尚未覆盖的必须参加主体")
    quorum_percent: int
    eligible_count: int | None
    votes_cast: int
    options: list[OptionOut]
    meetings: list[MeetingOut]
    decision: str
    chosen_option_id: int | None
    decided_at: dt.datetime | None
    filing_number: str
    filed_at: dt.datetime | None
    status_note: str
    actions: list[ActionOut]

    @staticmethod
    def resolve_missing_kinds(obj) -> list[str]:
        return selectors.topic_missing_kinds(topic=obj)

    @staticmethod
    def resolve_votes_cast(obj) -> int:
        return obj.votes.count()

    @staticmethod
    def resolve_options(obj) -> list[dict]:
        return _options(obj, with_votes=True)

    @staticmethod
    def resolve_meetings(obj) -> list:
        return selectors.topic_meetings(topic=obj)

    @staticmethod
    def resolve_actions(obj) -> list:
        return selectors.topic_actions(topic=obj)


class MyTopicOut(TopicDetailOut):
    my_vote_option_id: int | None = Field(None, description="本户(按户表决)或本人已投的方案")
    meetings: list[dict] = Field(..., description="[{held_at, participant_kinds}](居民看不到参会人姓名)")

    @staticmethod
    def resolve_meetings(obj) -> list[dict]:
        return _meeting_kinds(obj)

    @staticmethod
    def resolve_options(obj) -> list[dict]:
        return _options(obj, with_votes=obj.status != Topic.Status.VOTING)


def _meeting_kinds(topic: Topic) -> list[dict]:
    return [{"held_at": m.held_at.isoformat(), "participant_kinds": sorted({p.kind for p in m.participants.all()})}
            for m in selectors.topic_meetings(topic=topic)]


class PublicTopicOut(TopicOut):
    """What the public page shows: the decision and its implementation; meetings only as dates and
    the kinds of participants (no names of residents)."""

    description: str
    covenant_text: str
    options: list[OptionOut]
    votes_cast: int
    eligible_count: int | None
    meetings: list[dict] = Field(..., description="[{held_at, participant_kinds}]")
    decision: str
    decided_at: dt.datetime | None
    filing_number: str
    filed_at: dt.datetime | None
    actions: list[ActionOut]

    @staticmethod
    def resolve_options(obj) -> list[dict]:
        return _options(obj, with_votes=True)

    @staticmethod
    def resolve_votes_cast(obj) -> int:
        return obj.votes.count()

    @staticmethod
    def resolve_meetings(obj) -> list[dict]:
        return _meeting_kinds(obj)

    @staticmethod
    def resolve_actions(obj) -> list:
        return selectors.topic_actions(topic=obj)


class TopicIn(Schema):
    community_id: int
    title: str
    description: str
    kind: KindName = "ordinary"
    raised_by: RaisedByName = "committee"
    raised_by_resident_id: int | None = None
    raised_by_unit_id: int | None = None
    vote_basis: BasisName = "household"
    covenant_text: str = ""


class TopicQuery(PageParams):
    status: str = ""
    kind: str = ""
    node: int | None = None
    q: str = ""


class AcceptIn(Schema):
    required_kinds: list[ParticipantKindName] = Field([], description="须参加协商的主体;留空用默认")
    vote_basis: BasisName | None = None
    quorum_percent: int | None = Field(None, ge=0, le=100)
    note: str = ""


class ReasonIn(Schema):
    reason: str


class TextIn(Schema):
    text: str


class DraftIn(Schema):
    covenant_text: str


class ParticipantIn(Schema):
    kind: ParticipantKindName
    resident_id: int | None = None
    unit_id: int | None = None
    name: str = ""
    organization: str = ""


class MeetingIn(Schema):
    held_at: dt.datetime
    minutes: str
    place: str = ""
    participants: list[ParticipantIn]


class ClosesIn(Schema):
    closes_at: dt.datetime


class VoteIn(Schema):
    option_id: int
    resident_id: int | None = Field(None, description="工作人员录入纸质票时的居民;居民本人投票留空")


class DecideIn(Schema):
    decision: str


class FileIn(Schema):
    filing_number: str


class ActionIn(Schema):
    text: str
    owner: str
    deadline: dt.date


class ResultIn(Schema):
    result: str


class VoteOut(Schema):
    topic_id: int
    option_id: int
    channel: str
    cast_at: dt.datetime


class ProposeIn(Schema):
    title: str
    description: str


def _detail(request, topic_id: int):
    return selectors.topic_get(user=request.auth, pk=topic_id)


@router.get("/topics", response=page_of(TopicOut), summary="协商议题(按辖区)", operation_id="consultation_topic_list")
def topic_list(request, filters: Query[TopicQuery]):
    node = tree_selectors.node_get(user=request.auth, pk=filters.node) if filters.node else None
    return paginate(selectors.topic_list(user=request.auth, status=filters.status, kind=filters.kind, node=node, q=filters.q),
                    filters)


@router.post("/topics", response={201: TopicDetailOut}, summary="登记议题(居民、驻区单位或两委提出)",
             operation_id="consultation_topic_raise")
def topic_raise(request, payload: TopicIn):
    topic = services.topic_raise(actor=request.auth, **payload.dict())
    return Status(201, _detail(request, topic.pk))


@router.get("/topics/{topic_id}", response=TopicDetailOut, summary="议题详情", operation_id="consultation_topic_get")
def topic_get(request, topic_id: int):
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/accept", response=TopicDetailOut, summary="立项(确定参加主体、表决方式)",
             operation_id="consultation_topic_accept")
def topic_accept(request, topic_id: int, payload: AcceptIn):
    services.topic_accept(actor=request.auth, topic_id=topic_id, required_kinds=payload.required_kinds or None,
                          vote_basis=payload.vote_basis, quorum_percent=payload.quorum_percent, note=payload.note)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/reject", response=TopicDetailOut, summary="不予立项", operation_id="consultation_topic_reject")
def topic_reject(request, topic_id: int, payload: ReasonIn):
    services.topic_reject(actor=request.auth, topic_id=topic_id, reason=payload.reason)
    return _detail(request, topic_id)


@router.put("/topics/{topic_id}/draft", response=TopicDetailOut, summary="修改公约草案", operation_id="consultation_draft_set")
def draft_set(request, topic_id: int, payload: DraftIn):
    services.topic_draft_set(actor=request.auth, topic_id=topic_id, covenant_text=payload.covenant_text)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/options", response={201: TopicDetailOut}, summary="增加方案", operation_id="consultation_option_add")
def option_add(request, topic_id: int, payload: TextIn):
    services.option_add(actor=request.auth, topic_id=topic_id, text=payload.text)
    return Status(201, _detail(request, topic_id))


@router.post("/topics/{topic_id}/meetings", response={201: TopicDetailOut}, summary="记录协商会议及参会人",
             operation_id="consultation_meeting_record")
def meeting_record(request, topic_id: int, payload: MeetingIn):
    services.meeting_record(actor=request.auth, topic_id=topic_id, held_at=payload.held_at, minutes=payload.minutes,
                            place=payload.place, participants=[p.dict() for p in payload.participants])
    return Status(201, _detail(request, topic_id))


@router.post("/topics/{topic_id}/vote/open", response=TopicDetailOut, summary="启动表决(须已协商且参加主体齐全)",
             operation_id="consultation_vote_open")
def vote_open(request, topic_id: int, payload: ClosesIn):
    services.vote_open(actor=request.auth, topic_id=topic_id, closes_at=payload.closes_at)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/vote/extend", response=TopicDetailOut, summary="延长表决", operation_id="consultation_vote_extend")
def vote_extend(request, topic_id: int, payload: ClosesIn):
    services.vote_extend(actor=request.auth, topic_id=topic_id, closes_at=payload.closes_at)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/votes", response={201: VoteOut}, summary="投票(居民本人;或工作人员录入纸质票)。每户/每人一票,重复 409",
             operation_id="consultation_vote_cast")
def vote_cast(request, topic_id: int, payload: VoteIn):
    vote = services.vote_cast(actor=request.auth, topic_id=topic_id, option_id=payload.option_id,
                              resident_id=payload.resident_id)
    return Status(201, vote)


@router.post("/topics/{topic_id}/decide", response=TopicDetailOut, summary="结束表决并形成协商结果",
             operation_id="consultation_decide")
def decide(request, topic_id: int, payload: DecideIn):
    services.topic_decide(actor=request.auth, topic_id=topic_id, decision=payload.decision)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/filing", response=TopicDetailOut, summary="公约报乡镇(街道)备案", operation_id="consultation_filing_submit")
def filing_submit(request, topic_id: int):
    services.covenant_submit_filing(actor=request.auth, topic_id=topic_id)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/file", response=TopicDetailOut, summary="乡镇(街道)备案", operation_id="consultation_file")
def file(request, topic_id: int, payload: FileIn):
    services.covenant_file(actor=request.auth, topic_id=topic_id, filing_number=payload.filing_number)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/return", response=TopicDetailOut, summary="乡镇(街道)退回重新协商", operation_id="consultation_return")
def filing_return(request, topic_id: int, payload: ReasonIn):
    services.covenant_return(actor=request.auth, topic_id=topic_id, reason=payload.reason)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/publish", response=TopicDetailOut, summary="公布已备案的公约", operation_id="consultation_publish")
def publish(request, topic_id: int):
    services.covenant_publish(actor=request.auth, topic_id=topic_id)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/actions", response={201: TopicDetailOut}, summary="安排落实事项(责任人、期限)",
             operation_id="consultation_action_add")
def action_add(request, topic_id: int, payload: ActionIn):
    services.action_add(actor=request.auth, topic_id=topic_id, text=payload.text, owner=payload.owner, deadline=payload.deadline)
    return Status(201, _detail(request, topic_id))


@router.post("/actions/{action_id}/done", response=ActionOut, summary="落实事项完成", operation_id="consultation_action_done")
def action_done(request, action_id: int, payload: ResultIn):
    return services.action_done(actor=request.auth, action_id=action_id, result=payload.result)


@router.get("/mine", response=list[TopicOut], summary="居民:本社区议题", operation_id="consultation_my_topics")
def my_topics(request):
    return list(selectors.my_topic_list(user=request.auth)[:100])


@router.post("/mine", response={201: TopicOut}, summary="居民:提出议题", operation_id="consultation_propose")
def propose(request, payload: ProposeIn):
    return Status(201, services.topic_propose_self(actor=request.auth, title=payload.title, description=payload.description))


@router.get("/mine/{topic_id}", response=MyTopicOut, summary="居民:议题详情与本户投票", operation_id="consultation_my_topic")
def my_topic(request, topic_id: int):
    topic = selectors.my_topic_get(user=request.auth, pk=topic_id)
    vote = selectors.my_vote(user=request.auth, topic=topic)
    topic.my_vote_option_id = vote.option_id if vote else None
    return topic


@router.get("/public", response=page_of(TopicOut), auth=None, summary="公开:已公布的协商结果", operation_id="consultation_public_list")
def public_list(request, filters: Query[PageParams]):
    return paginate(selectors.public_topic_list(), filters)


@router.get("/public/{topic_id}", response=PublicTopicOut, auth=None, summary="公开:协商结果与落实情况",
            operation_id="consultation_public_get")
def public_get(request, topic_id: int):
    return selectors.public_topic_get(pk=topic_id)
