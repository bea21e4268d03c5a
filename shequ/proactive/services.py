"""Writes on proactive governance: make a month's problem a topic (每月一题), start it, finish it with
its result, add progress notes. Each service checks ``proactive.manage`` and the place's scope,
owns its transaction and writes an audit record; ``now`` may be passed by tests."""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.appeals.models import ServiceCategory
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput
from shequ.core.validation import full_clean
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Level, Node

from . import selectors
from .models import Topic, TopicMilestone, TopicNote


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, extra={"field": field})
    return value


def _note(topic: Topic, *, actor, kind: str, text: str, at: dt.datetime) -> TopicNote:
    return TopicNote.objects.create(topic=topic, at=at, author=actor if getattr(actor, "pk", None) else None,
                                    author_name=getattr(actor, "username", ""), kind=kind, text=text)


@transaction.atomic
def topic_create(*, actor, month: dt.date, place: Node, category: ServiceCategory, title: str, plan: str,
                 owner_person: str, owner_node: Node | None = None, owner_department: Department | None = None,
                 milestones: list[tuple[dt.date, str]] = (), now: dt.datetime | None = None) -> Topic:
    """Make ``place`` × ``category`` of ``month`` a topic, covering that month's appeals the actor sees."""
    scoping.ensure_can(actor, "proactive.manage", obj=place)
    now = now or timezone.now()
    if place.level not in (Level.COMMUNITY, Level.STREET):
        raise InvalidInput(_("地点须为社区或街道"), extra={"field": "place"})
    if (owner_node is None) == (owner_department is None):
        raise InvalidInput(_("请指定一个责任单位(辖区单位或部门)"), extra={"field": "owner"})
    if owner_node is not None:
        scoping.ensure_nodes_in_scope(actor, [owner_node])
    topic = Topic(month=selectors.month_start(month), place=place, category=category,
                  title=_text(title, "title", _("题目不能为空")), plan=_text(plan, "plan", _("治理方案不能为空")),
                  owner_person=_text(owner_person, "owner_person", _("责任人不能为空")),
                  owner_node=owner_node, owner_department=owner_department, created_by=actor)
    topic.copy_location(place)
    full_clean(topic)
    try:
        with transaction.atomic():
            topic.save()
    except IntegrityError:
        raise Conflict(_("该月此地点此类问题已立题"), code="topic_exists") from None
    TopicMilestone.objects.bulk_create([TopicMilestone(topic=topic, due_on=day, title=text.strip())
                                        for day, text in milestones])
    appeals = list(selectors.problem_appeals(user=actor, month=topic.month, place=place, category=category))
    topic.appeals.set(appeals)
    _note(topic, actor=actor, kind="planned", text=_("立题,涉及诉求 %(n)d 件") % {"n": len(appeals)}, at=now)
    audit_record(actor=actor, verb="topic.created", target=topic, node_id=place.pk,
                 extra={"month": f"{topic.month:%Y-%m}", "category": category.code, "appeals": len(appeals)})
    return topic


def _for_update(actor, topic_id: int) -> Topic:
    scoping.ensure_can(actor, "proactive.manage")
    return scoping.get_in_scope(Topic.objects.select_for_update(), actor, pk=topic_id)


@transaction.atomic
def topic_start(*, actor, topic_id: int, now: dt.datetime | None = None) -> Topic:
    now = now or timezone.now()
    topic = _for_update(actor, topic_id)
    topic.transition_to(Topic.Status.IN_PROGRESS)
    topic.started_at = now
    topic.save(update_fields=["status", "started_at", "updated_at"])
    _note(topic, actor=actor, kind="started", text=_("开始治理"), at=now)
    audit_record(actor=actor, verb="topic.started", target=topic, node_id=topic.place_id)
    return topic


@transaction.atomic
def topic_finish(*, actor, topic_id: int, result: str, now: dt.datetime | None = None) -> Topic:
    """Mark the topic done with its result (required)."""
    result = _text(result, "result", _("请填写治理成效"))
    now = now or timezone.now()
    topic = _for_update(actor, topic_id)
    topic.transition_to(Topic.Status.DONE)
    topic.result, topic.done_at = result, now
    topic.save(update_fields=["status", "result", "done_at", "updated_at"])
    _note(topic, actor=actor, kind="done", text=result, at=now)
    audit_record(actor=actor, verb="topic.done", target=topic, node_id=topic.place_id)
    return topic


@transaction.atomic
def topic_note_add(*, actor, topic_id: int, text: str, now: dt.datetime | None = None) -> TopicNote:
    text = _text(text, "text", _("进展内容不能为空"))
    topic = _for_update(actor, topic_id)
    note = _note(topic, actor=actor, kind="note", text=text, at=now or timezone.now())
    audit_record(actor=actor, verb="topic.noted", target=topic, node_id=topic.place_id)
    return note


def parse_milestones(text: str) -> list[tuple[dt.date, str]]:
    """Lines "YYYY-MM-DD 内容" -> [(date, text)]; a bad line is a 422 naming it."""
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, _sep, what = line.partition(" ")
        try:
            items.append((dt.date.fromisoformat(day), what.strip() or _("节点")))
        except ValueError:
            raise InvalidInput(_("第 %(n)d 行时间节点格式应为“YYYY-MM-DD 内容”") % {"n": number},
                               extra={"field": "milestones", "line": number}) from None
    return items
