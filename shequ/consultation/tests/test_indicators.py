"""The indicator protocol: consultations held, decisions, on-time implementation, and the problems
(决而不行, 议而不决) per community and street, in a bounded number of queries."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.consultation import indicators, services
from shequ.consultation.models import Topic

from .factories import options_of, voting_topic


def _decided(world, community="A", actor="worker_a"):
    t = voting_topic(world, actor=actor, community=community)
    key = {"A": "A101h", "B": "B101h"}[community]
    services.vote_cast(actor=world.users[actor], topic_id=t.pk, option_id=options_of(t)[0].pk,
                       resident_id=world.residents[key].pk)
    return services.topic_decide(actor=world.users[actor], topic_id=t.pk, decision="通过")


def test_compute_and_problems(world):
    today = timezone.localdate()
    a = _decided(world)
    user = world.users["worker_a"]
    done = services.action_add(actor=user, topic_id=a.pk, text="按期", owner="物业", deadline=today - dt.timedelta(days=5))
    services.action_done(actor=user, action_id=done.pk, result="完成", now=timezone.now() - dt.timedelta(days=6))
    services.action_add(actor=user, topic_id=a.pk, text="逾期", owner="居委会", deadline=today - dt.timedelta(days=2))
    _decided(world, community="B", actor="worker_b")
    nodes = [world.nodes["A"], world.nodes["B"], world.nodes["C"], world.nodes["S1"]]
    start, end = today - dt.timedelta(days=30), today
    with CaptureQueriesContext(connection) as ctx:
        figures = indicators.compute(nodes, start, end)
    assert len(ctx.captured_queries) <= 6  # 3 per level (community, street)
    assert figures[world.nodes["A"].pk] == {"consultations_held": 1, "consultation_decisions": 1, "decisions_on_time_rate": 50.0}
    assert figures[world.nodes["C"].pk] == {"consultations_held": 0, "consultation_decisions": 0, "decisions_on_time_rate": None}
    assert figures[world.nodes["S1"].pk]["consultation_decisions"] == 2
    found = indicators.problems(nodes, start, end)
    late = next(p for p in found if p["key"] == "consultation_not_implemented")
    assert late["communities"] == [world.nodes["A"].pk] and "甲社区" in late["evidence"] and late["severity"] in (1, 2, 3)
    assert not any(p["key"] == "consultation_undecided" for p in found)
    Topic.objects.filter(community=world.nodes["B"]).update(status="accepted", raised_at=timezone.now() - dt.timedelta(days=200))
    stuck = next(p for p in indicators.problems(nodes, start, end) if p["key"] == "consultation_undecided")
    assert stuck["communities"] == [world.nodes["B"].pk]
