"""Writes of community consultation 社区协商 and covenant revision.

Each service owns its transaction, checks the actor's capability ("consultation.manage" for the
community, "consultation.file" for the township that files a covenant, "consultation.vote" for a
resident) and scope (the topic is loaded row-locked through ``scoping.get_in_scope``: 404 outside
the area), checks the move against ``TRANSITIONS``, saves only changed fields and writes the audit
record in the same transaction. ``now`` may be passed so that tests control the clock.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.appeals.deadlines import SHANGHAI
from shequ.core.audit import audit_record
from shequ.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree_selectors
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as registry_selectors
from shequ.registry.models import Establishment, Household, Resident

from .errors import ConsultationErrorCode as E
from .models import Action, Meeting, Option, Participant, ParticipantKind, Topic, Vote

S = Topic.Status
#: Allowed moves. A covenant goes on from "decided" to filing and publication; an ordinary topic
#: is published when it is decided.
TRANSITIONS = {
    S.PROPOSED: {S.ACCEPTED, S.REJECTED},
    S.ACCEPTED: {S.VOTING},
    S.VOTING: {S.DECIDED},
    S.DECIDED: {S.FILING},
    S.FILING: {S.FILED, S.ACCEPTED},
    S.FILED: {S.PUBLISHED},
}
#: Participants a topic requires unless the community chooses others when accepting it.
DEFAULT_REQUIRED = {
    Topic.Kind.ORDINARY: [ParticipantKind.RESIDENT_REP, ParticipantKind.DEPUTY],
    Topic.Kind.COVENANT: [ParticipantKind.RESIDENT_REP, ParticipantKind.DEPUTY, ParticipantKind.COMMITTEE],
}
#: Default valid-vote share for a covenant (村民委员会组织法 art. 22: more than half of the adult
#: villagers, or two thirds of the households); an ordinary topic has none unless set.
COVENANT_QUORUM = {Topic.VoteBasis.PERSON: 50, Topic.VoteBasis.HOUSEHOLD: 67}
#: Voting age for a per-person topic.
VOTING_AGE = 18


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


def _is_resident(user) -> bool:
    return getattr(user, "role", None) == "resident" and not scoping.is_global(user)


def _text(value: str, field: str, message: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, extra={"field": field})
    return value[:limit] if limit else value


def _topic_for_update(actor, topic_id: int, action: str = "consultation.manage") -> Topic:
    scoping.ensure_can(actor, action)
    return scoping.get_in_scope(Topic.objects.select_for_update(), actor, pk=topic_id)


def _move(topic: Topic, to: str) -> str:
    if to not in TRANSITIONS.get(topic.status, set()):
        raise InvalidTransition(_("议题当前状态不允许此操作"), code=E.INVALID_TRANSITION,
                                extra={"from": topic.status, "to": str(to)})
    previous, topic.status = topic.status, to
    return previous


def _number(topic: Topic) -> str:
    return f"XS{local_date(topic.raised_at):%Y}{topic.pk:06d}"


def _create(topic: Topic, community) -> Topic:
    topic.copy_location(community)
    topic.save()
    topic.number = _number(topic)
    topic.save(update_fields=["number"])
    return topic


@transaction.atomic
def topic_raise(*, actor, community_id: int, title: str, description: str,
                raised_by: str = Topic.RaisedBy.COMMITTEE, raised_by_resident_id: int | None = None,
                raised_by_unit_id: int | None = None, kind: str = Topic.Kind.ORDINARY,
                vote_basis: str = Topic.VoteBasis.HOUSEHOLD, covenant_text: str = "",
                now: dt.datetime | None = None) -> Topic:
    """Record a topic raised by a resident, a unit or the committee (议题征集)."""
    scoping.ensure_can(actor, "consultation.manage")
    now = now or timezone.now()
    community = tree_selectors.node_get(user=actor, pk=community_id)  # 404 outside scope
    if community.level != Level.COMMUNITY:
        raise InvalidInput(_("议题须属于一个社区或村"), extra={"field": "community_id"})
    if kind not in Topic.Kind.values:
        raise InvalidInput(_("议题类型不正确"), extra={"field": "kind"})
    if vote_basis not in Topic.VoteBasis.values:
        raise InvalidInput(_("表决方式不正确"), extra={"field": "vote_basis"})
    if raised_by not in Topic.RaisedBy.values:
        raise InvalidInput(_("提出方不正确"), extra={"field": "raised_by"})
    topic = Topic(kind=kind, title=_text(title, "title", _("请填写议题"), 120),
                  description=_text(description, "description", _("请填写议题说明")), raised_by=raised_by,
                  raised_at=now, vote_basis=vote_basis, covenant_text=(covenant_text or "").strip(), created_by=actor)
    if raised_by == Topic.RaisedBy.RESIDENT:
        if not raised_by_resident_id:
            raise InvalidInput(_("请选择提出议题的居民"), extra={"field": "raised_by_resident_id"})
        resident = registry_selectors.resident_get(user=actor, pk=raised_by_resident_id)
        if resident.community_id != community.pk:
            raise InvalidInput(_("提出议题的居民不属于该社区"), extra={"field": "raised_by_resident_id"})
        topic.raised_by_resident = resident
    elif raised_by == Topic.RaisedBy.UNIT:
        unit = scoping.get_in_scope(Establishment.objects.all(), actor, pk=raised_by_unit_id or 0)
        topic.raised_by_unit = unit
    _create(topic, community)
    audit_record(actor=actor, verb="consultation.topic_raised", target=topic,
                 extra={"kind": kind, "raised_by": raised_by, "vote_basis": vote_basis})
    return topic


@transaction.atomic
def topic_propose_self(*, actor, title: str, description: str, now: dt.datetime | None = None) -> Topic:
    """A signed-in resident raises a topic for their own community (from the resident pages)."""
    scoping.ensure_can(actor, "consultation.vote")
    resident = getattr(actor, "resident", None)
    if resident is None or resident.status != Resident.Status.ACTIVE or not resident.community_id:
        raise InvalidInput(_("您的账号尚未关联到登记的居民,请联系社区"), code=E.NOT_ELIGIBLE)
    from shequ.jurisdiction.models import Node

    topic = Topic(title=_text(title, "title", _("请填写议题"), 120),
                  description=_text(description, "description", _("请填写议题说明")),
                  raised_by=Topic.RaisedBy.RESIDENT, raised_by_resident=resident, raised_at=now or timezone.now(),
                  created_by=actor)
    _create(topic, Node.objects.get(pk=resident.community_id))
    audit_record(actor=actor, verb="consultation.topic_raised", target=topic, extra={"raised_by": "resident", "self": True})
    return topic


@transaction.atomic
def topic_accept(*, actor, topic_id: int, required_kinds=None, vote_basis: str | None = None,
                 quorum_percent: int | None = None, note: str = "") -> Topic:
    """Put a topic on the agenda 立项, naming the participants it requires and how it is voted."""
    topic = _topic_for_update(actor, topic_id)
    previous = _move(topic, S.ACCEPTED)
    kinds = list(required_kinds) if required_kinds else [str(k) for k in DEFAULT_REQUIRED[topic.kind]]
    unknown = sorted(set(kinds) - set(ParticipantKind.values))
    if unknown:
        raise InvalidInput(_("未知的参加主体:%(kinds)s") % {"kinds": ", ".join(unknown)}, extra={"field": "required_kinds"})
    if vote_basis:
        if vote_basis not in Topic.VoteBasis.values:
            raise InvalidInput(_("表决方式不正确"), extra={"field": "vote_basis"})
        topic.vote_basis = vote_basis
    if quorum_percent is None:
        quorum_percent = COVENANT_QUORUM[topic.vote_basis] if topic.kind == Topic.Kind.COVENANT else 0
    if not 0 <= int(quorum_percent) <= 100:
        raise InvalidInput(_("有效表决比例须在 0 至 100 之间"), extra={"field": "quorum_percent"})
    topic.required_kinds, topic.quorum_percent, topic.status_note = kinds, int(quorum_percent), (note or "").strip()
    topic.save(update_fields=["status", "required_kinds", "vote_basis", "quorum_percent", "status_note", "updated_at"])
    audit_record(actor=actor, verb="consultation.topic_accepted", target=topic,
                 extra={"from": previous, "required": kinds, "vote_basis": topic.vote_basis, "quorum": topic.quorum_percent})
    return topic


@transaction.atomic
def topic_reject(*, actor, topic_id: int, reason: str) -> Topic:
    """Decline a topic 不予立项 (e.g. not a community matter), with the reason shown to the raiser."""
    reason = _text(reason, "reason", _("不予立项须说明理由"))
    topic = _topic_for_update(actor, topic_id)
    previous = _move(topic, S.REJECTED)
    topic.status_note = reason
    topic.save(update_fields=["status", "status_note", "updated_at"])
    audit_record(actor=actor, verb="consultation.topic_rejected", target=topic, extra={"from": previous, "reason": reason})
    return topic


@transaction.atomic
def topic_draft_set(*, actor, topic_id: int, covenant_text: str) -> Topic:
    """Revise the covenant draft 公约草案 (before the vote opens)."""
    topic = _topic_for_update(actor, topic_id)
    if topic.kind != Topic.Kind.COVENANT:
        raise InvalidInput(_("只有公约修订议题有草案"), code=E.NOT_COVENANT)
    if topic.status not in (S.PROPOSED, S.ACCEPTED):
        raise InvalidTransition(_("表决开始后不能再修改草案"), code=E.INVALID_TRANSITION, extra={"from": topic.status})
    topic.covenant_text = _text(covenant_text, "covenant_text", _("请填写公约草案"))
    topic.save(update_fields=["covenant_text", "updated_at"])
    audit_record(actor=actor, verb="consultation.draft_revised", target=topic, extra={"length": len(topic.covenant_text)})
    return topic


@transaction.atomic
def option_add(*, actor, topic_id: int, text: str) -> Option:
    topic = _topic_for_update(actor, topic_id)
    if topic.status not in (S.PROPOSED, S.ACCEPTED):
        raise InvalidTransition(_("表决开始后不能再增加方案"), code=E.INVALID_TRANSITION, extra={"from": topic.status})
    text = _text(text, "text", _("请填写方案内容"), 300)
    order = (topic.options.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    option = Option.objects.create(topic=topic, order=order, text=text)
    audit_record(actor=actor, verb="consultation.option_added", target=topic, extra={"option": option.pk, "order": order})
    return option


@transaction.atomic
def meeting_record(*, actor, topic_id: int, held_at: dt.datetime, minutes: str, participants: list[dict],
                   place: str = "", now: dt.datetime | None = None) -> Meeting:
    """Record a consultation meeting 协商会议 held on the topic, with who took part and in what
    capacity. ``participants``: dicts with ``kind`` and either ``resident_id`` (a resident of the
    registry), ``unit_id`` (an actual unit) or ``name`` (+ ``organization``)."""
    now = now or timezone.now()
    topic = _topic_for_update(actor, topic_id)
    if topic.status != S.ACCEPTED:
        raise InvalidTransition(_("只有已立项、尚未表决的议题可以记录协商会议"), code=E.INVALID_TRANSITION,
                                extra={"from": topic.status})
    if held_at is None or timezone.is_naive(held_at) or held_at > now:
        raise InvalidInput(_("召开时间须为带时区的过去时间"), code=E.BAD_TIME, extra={"field": "held_at"})
    minutes = _text(minutes, "minutes", _("请填写会议纪要"))
    if not participants:
        raise InvalidInput(_("请填写参会人"), code=E.BAD_PARTICIPANT, extra={"field": "participants"})
    rows = []
    for index, p in enumerate(participants):
        kind = p.get("kind")
        if kind not in ParticipantKind.values:
            raise InvalidInput(_("第 %(n)d 位参会人的参加主体不正确") % {"n": index + 1}, code=E.BAD_PARTICIPANT,
                               extra={"field": "participants", "index": index})
        row = Participant(kind=kind, name=(p.get("name") or "").strip()[:50],
                          organization=(p.get("organization") or "").strip()[:100])
        if p.get("resident_id"):
            row.resident = registry_selectors.resident_get(user=actor, pk=p["resident_id"])
        elif p.get("unit_id"):
            row.unit = scoping.get_in_scope(Establishment.objects.all(), actor, pk=p["unit_id"])
            row.name = row.name or row.unit.name[:50]
            row.organization = row.organization or row.unit.name[:100]
        if not row.resident_id and not row.name:
            raise InvalidInput(_("第 %(n)d 位参会人缺少姓名") % {"n": index + 1}, code=E.BAD_PARTICIPANT,
                               extra={"field": "participants", "index": index})
        rows.append(row)
    meeting = Meeting.objects.create(topic=topic, held_at=held_at, place=(place or "").strip()[:150], minutes=minutes,
                                     recorded_by=actor)
    for row in rows:
        row.meeting = meeting
    Participant.objects.bulk_create(rows)
    audit_record(actor=actor, verb="consultation.meeting_recorded", target=topic,
                 extra={"meeting": meeting.pk, "participants": dict(Counter(r.kind for r in rows))})
    return meeting


def covered_kinds(topic: Topic) -> set[str]:
    return set(Participant.objects.filter(meeting__topic=topic).values_list("kind", flat=True).distinct())


def missing_kinds(topic: Topic) -> list[str]:
    covered = covered_kinds(topic)
    return [k for k in topic.required_kinds if k not in covered]


def eligible_voters(topic: Topic):
    """Who holds a vote: the households (per household) or the adult residents (per person) of the
    topic's community, counted among active residents."""
    residents = Resident.objects.filter(community_id=topic.community_id, status=Resident.Status.ACTIVE)
    if topic.vote_basis == Topic.VoteBasis.HOUSEHOLD:
        return Household.objects.filter(pk__in=residents.exclude(household__isnull=True).values("household_id"))
    cutoff = _adult_cutoff(timezone.now())
    return residents.filter(Q(birth_date__isnull=True) | Q(birth_date__lte=cutoff))


def _adult_cutoff(now: dt.datetime) -> dt.date:
    today = local_date(now)
    try:
        return today.replace(year=today.year - VOTING_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - VOTING_AGE, day=28)


@transaction.atomic
def vote_open(*, actor, topic_id: int, closes_at: dt.datetime, now: dt.datetime | None = None) -> Topic:
    """Open the vote 启动表决. Refused until the topic has two options or more, a held meeting whose
    participants cover every required kind, and (a covenant) its draft."""
    now = now or timezone.now()
    topic = _topic_for_update(actor, topic_id)
    _move(topic, S.VOTING)
    if closes_at is None or timezone.is_naive(closes_at) or closes_at <= now:
        raise InvalidInput(_("表决截止时间须晚于现在"), code=E.BAD_TIME, extra={"field": "closes_at"})
    if topic.options.count() < 2:
        raise InvalidInput(_("至少需要两个方案才能表决"), code=E.FEW_OPTIONS, extra={"field": "options"})
    if not topic.meetings.exists():
        raise InvalidInput(_("表决前须召开协商会议"), code=E.NO_MEETING, extra={"field": "meetings"})
    missing = missing_kinds(topic)
    if missing:
        labels = "、".join(str(ParticipantKind(k).label) for k in missing)
        raise InvalidInput(_("协商会议缺少以下参加主体:%(kinds)s") % {"kinds": labels}, code=E.MISSING_PARTICIPANTS,
                           extra={"field": "meetings", "missing": missing})
    if topic.kind == Topic.Kind.COVENANT and not topic.covenant_text.strip():
        raise InvalidInput(_("公约修订须先有草案"), code=E.NO_DRAFT, extra={"field": "covenant_text"})
    topic.vote_opens_at, topic.vote_closes_at = now, closes_at
    topic.eligible_count = eligible_voters(topic).count()
    topic.save(update_fields=["status", "vote_opens_at", "vote_closes_at", "eligible_count", "updated_at"])
    audit_record(actor=actor, verb="consultation.vote_opened", target=topic,
                 extra={"closes_at": closes_at.isoformat(), "eligible": topic.eligible_count, "basis": topic.vote_basis})
    return topic


def ballot_key(topic: Topic, resident: Resident) -> str:
    if topic.vote_basis == Topic.VoteBasis.HOUSEHOLD:
        return f"h{resident.household_id}"
    return f"p{resident.pk}"


def check_eligible(topic: Topic, resident: Resident, now: dt.datetime) -> None:
    """Raise unless ``resident`` may vote on ``topic``: an active resident of the topic's community;
    per household, one who belongs to a household; per person, of voting age."""
    if resident.status != Resident.Status.ACTIVE or resident.community_id != topic.community_id:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    if topic.vote_basis == Topic.VoteBasis.HOUSEHOLD and not resident.household_id:
        raise InvalidInput(_("按户表决:该居民未登记在户中"), code=E.NOT_ELIGIBLE, extra={"field": "resident"})
    if (topic.vote_basis == Topic.VoteBasis.PERSON and resident.birth_date
            and resident.birth_date > _adult_cutoff(now)):
        raise InvalidInput(_("未满十八周岁,不参加表决"), code=E.NOT_ELIGIBLE, extra={"field": "resident"})


@transaction.atomic
def vote_cast(*, actor, topic_id: int, option_id: int, resident_id: int | None = None,
              now: dt.datetime | None = None) -> Vote:
    """Cast one ballot. A resident votes for themselves, only on a topic of their own community
    (another community's topic is 404); staff enter a paper ballot for a resident of their area. One
    ballot per household or per person, as the topic says: a second is refused (409), and the
    unique constraint on (topic, ballot_key) refuses it too when two requests race."""
    now = now or timezone.now()
    if _is_resident(actor):
        scoping.ensure_can(actor, "consultation.vote")
        resident = getattr(actor, "resident", None)
        if resident is None:
            raise NotInScope(_("记录不存在或不在您的辖区内"))
        topic = Topic.objects.filter(pk=topic_id, community_id=resident.community_id or 0).first()
        if topic is None:
            raise NotInScope(_("记录不存在或不在您的辖区内"))
        channel = Vote.Channel.ONLINE
    else:
        scoping.ensure_can(actor, "consultation.manage")
        topic = scoping.get_in_scope(Topic.objects.all(), actor, pk=topic_id)
        resident = registry_selectors.resident_get(user=actor, pk=resident_id or 0)
        channel = Vote.Channel.PAPER
    if topic.status != S.VOTING or (topic.vote_closes_at and now >= topic.vote_closes_at):
        raise Conflict(_("该议题不在表决期内"), code=E.NOT_VOTING, extra={"status": topic.status})
    check_eligible(topic, resident, now)
    option = Option.objects.filter(pk=option_id, topic=topic).first()
    if option is None:
        raise InvalidInput(_("请选择本议题的一个方案"), extra={"field": "option_id"})
    key = ballot_key(topic, resident)
    already = _("本户已投票") if topic.vote_basis == Topic.VoteBasis.HOUSEHOLD else _("您已投票")
    if Vote.objects.filter(Q(ballot_key=key) | Q(resident=resident), topic=topic).exists():
        raise Conflict(already, code=E.ALREADY_VOTED)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(topic=topic, option=option, resident=resident, household_id=resident.household_id,
                                       ballot_key=key, channel=channel, cast_at=now, recorded_by=actor)
    except IntegrityError:
        raise Conflict(already, code=E.ALREADY_VOTED) from None
    audit_record(actor=actor, verb="consultation.vote_cast", target=topic,
                 extra={"ballot": key, "channel": channel})  # the option chosen is not in the log
    return vote


def tally(topic: Topic) -> list[dict]:
    """Votes per option, in option order."""
    counts = dict(Vote.objects.filter(topic=topic).values("option_id").annotate(n=Count("id")).values_list("option_id", "n"))
    return [{"option": o, "votes": counts.get(o.pk, 0)} for o in topic.options.order_by("order")]


@transaction.atomic
def vote_extend(*, actor, topic_id: int, closes_at: dt.datetime, now: dt.datetime | None = None) -> Topic:
    """Move the closing time of an open vote later (to reach the valid-vote share)."""
    now = now or timezone.now()
    topic = _topic_for_update(actor, topic_id)
    if topic.status != S.VOTING:
        raise InvalidTransition(_("该议题不在表决期内"), code=E.NOT_VOTING)
    if closes_at is None or timezone.is_naive(closes_at) or closes_at <= max(now, topic.vote_closes_at or now):
        raise InvalidInput(_("新的截止时间须晚于原截止时间和现在"), code=E.BAD_TIME, extra={"field": "closes_at"})
    previous, topic.vote_closes_at = topic.vote_closes_at, closes_at
    topic.save(update_fields=["vote_closes_at", "updated_at"])
    audit_record(actor=actor, verb="consultation.vote_extended", target=topic,
                 extra={"from": previous.isoformat() if previous else None, "to": closes_at.isoformat()})
    return topic


@transaction.atomic
def topic_decide(*, actor, topic_id: int, decision: str, now: dt.datetime | None = None) -> Topic:
    """Close the vote and record the decision 形成协商结果: the option with the most votes, provided
    the valid-vote share is reached and there is no tie. An ordinary topic is published at once; a
    covenant goes on to filing."""
    now = now or timezone.now()
    decision = _text(decision, "decision", _("请填写协商结果"))
    topic = _topic_for_update(actor, topic_id)
    _move(topic, S.DECIDED)
    results = tally(topic)
    cast = sum(r["votes"] for r in results)
    eligible = topic.eligible_count or 0
    if topic.quorum_percent and (not eligible or cast * 100 < topic.quorum_percent * eligible):
        raise Conflict(_("投票数未达到有效表决比例(%(cast)d/%(eligible)d,须 %(quorum)d%%)")
                       % {"cast": cast, "eligible": eligible, "quorum": topic.quorum_percent},
                       code=E.QUORUM_NOT_MET, extra={"cast": cast, "eligible": eligible, "quorum": topic.quorum_percent})
    ranked = sorted(results, key=lambda r: -r["votes"])
    if not cast or (len(ranked) > 1 and ranked[0]["votes"] == ranked[1]["votes"]):
        raise Conflict(_("票数相同或无人投票,不能形成结果,请再次协商"), code=E.TIE, extra={"cast": cast})
    topic.chosen_option, topic.decision, topic.decided_at = ranked[0]["option"], decision, now
    if topic.vote_closes_at is None or topic.vote_closes_at > now:
        topic.vote_closes_at = now
    fields = ["status", "chosen_option", "decision", "decided_at", "vote_closes_at", "updated_at"]
    if topic.kind == Topic.Kind.ORDINARY:
        topic.published_at = now
        fields.append("published_at")
    topic.save(update_fields=fields)
    audit_record(actor=actor, verb="consultation.decided", target=topic,
                 extra={"option": topic.chosen_option_id, "cast": cast, "eligible": eligible,
                        "tally": {r["option"].order: r["votes"] for r in results}})
    return topic


def _covenant(topic: Topic) -> None:
    if topic.kind != Topic.Kind.COVENANT:
        raise InvalidTransition(_("只有公约修订议题需要备案"), code=E.NOT_COVENANT)


@transaction.atomic
def covenant_submit_filing(*, actor, topic_id: int) -> Topic:
    """The community sends the voted covenant to the township/street for filing 报乡镇(街道)备案."""
    topic = _topic_for_update(actor, topic_id)
    _covenant(topic)
    previous = _move(topic, S.FILING)
    topic.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="consultation.filing_submitted", target=topic, extra={"from": previous})
    return topic


@transaction.atomic
def covenant_file(*, actor, topic_id: int, filing_number: str, now: dt.datetime | None = None) -> Topic:
    """The township/street files the covenant 备案, with its filing number."""
    topic = _topic_for_update(actor, topic_id, "consultation.file")
    _covenant(topic)
    filing_number = _text(filing_number, "filing_number", _("请填写备案文号"), 60)
    previous = _move(topic, S.FILED)
    topic.filing_number, topic.filed_at, topic.filed_by = filing_number, now or timezone.now(), actor
    topic.save(update_fields=["status", "filing_number", "filed_at", "filed_by", "updated_at"])
    audit_record(actor=actor, verb="consultation.filed", target=topic, extra={"from": previous, "filing_number": filing_number})
    return topic


@transaction.atomic
def covenant_return(*, actor, topic_id: int, reason: str) -> Topic:
    """The township/street sends a covenant back (e.g. a clause against the law): it returns to the
    accepted stage for a revised draft, a new consultation and a new vote (the old ballots are kept
    in the audit log and removed from the topic)."""
    reason = _text(reason, "reason", _("退回须说明理由"))
    topic = _topic_for_update(actor, topic_id, "consultation.file")
    _covenant(topic)
    previous = _move(topic, S.ACCEPTED)
    removed = Vote.objects.filter(topic=topic).count()
    Vote.objects.filter(topic=topic).delete()
    topic.status_note, topic.chosen_option, topic.decision, topic.decided_at = reason, None, "", None
    topic.vote_opens_at = topic.vote_closes_at = topic.eligible_count = None
    topic.save(update_fields=["status", "status_note", "chosen_option", "decision", "decided_at", "vote_opens_at",
                              "vote_closes_at", "eligible_count", "updated_at"])
    audit_record(actor=actor, verb="consultation.filing_returned", target=topic,
                 extra={"from": previous, "reason": reason, "ballots_removed": removed})
    return topic


@transaction.atomic
def covenant_publish(*, actor, topic_id: int, now: dt.datetime | None = None) -> Topic:
    """Publish the filed covenant 公布 (on the public page)."""
    topic = _topic_for_update(actor, topic_id)
    _covenant(topic)
    previous = _move(topic, S.PUBLISHED)
    topic.published_at = now or timezone.now()
    topic.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, verb="consultation.published", target=topic, extra={"from": previous})
    return topic


# --- implementation ---------------------------------------------------------------------------

DECIDED_STATUSES = (S.DECIDED, S.FILING, S.FILED, S.PUBLISHED)


@transaction.atomic
def action_add(*, actor, topic_id: int, text: str, owner: str, deadline: dt.date) -> Action:
    """Add an implementation item 落实事项 to a decided topic, with its owner and deadline."""
    topic = _topic_for_update(actor, topic_id)
    if topic.status not in DECIDED_STATUSES:
        raise InvalidTransition(_("议题形成结果后才能安排落实事项"), code=E.INVALID_TRANSITION, extra={"from": topic.status})
    if not isinstance(deadline, dt.date):
        raise InvalidInput(_("请填写完成期限"), extra={"field": "deadline"})
    action = Action.objects.create(topic=topic, text=_text(text, "text", _("请填写落实事项"), 300),
                                   owner=_text(owner, "owner", _("请填写责任单位或责任人"), 100), deadline=deadline,
                                   recorded_by=actor)
    audit_record(actor=actor, verb="consultation.action_added", target=topic,
                 extra={"action": action.pk, "deadline": deadline.isoformat(), "owner": action.owner})
    return action


@transaction.atomic
def action_done(*, actor, action_id: int, result: str, now: dt.datetime | None = None) -> Action:
    """Record that an implementation item is done, with what was done (late if after its deadline)."""
    scoping.ensure_can(actor, "consultation.manage")
    now = now or timezone.now()
    action = (Action.objects.select_for_update().select_related("topic")
              .filter(pk=action_id, topic__in=scoping.scope_queryset(Topic.objects.all(), actor)).first())
    if action is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    if action.done_at is not None:
        raise Conflict(_("该事项已完成"), code=E.ACTION_DONE)
    action.result = _text(result, "result", _("请填写落实情况"))
    action.done_at, action.recorded_by = now, actor
    action.save(update_fields=["result", "done_at", "recorded_by", "updated_at"])
    audit_record(actor=actor, verb="consultation.action_done", target=action.topic,
                 extra={"action": action.pk, "on_time": local_date(now) <= action.deadline})
    return action


def ensure_not_resident(user) -> None:
    if _is_resident(user):
        raise NotAllowed(_("您的角色无权执行此操作"))
