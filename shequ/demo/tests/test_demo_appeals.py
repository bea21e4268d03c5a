"""Demo appeals: in every state, consistent with the workflow, routed and located, numbered,
scoped like real ones, and the same for the same seed."""
import datetime as dt
import re

import pytest
from django.db.models import Count

from shequ.accounts.models import User
from shequ.appeals.models import TRANSITIONS, Appeal
from shequ.appeals.selectors import appeal_list
from shequ.appeals.tests.factories import ensure_catalog
from shequ.demo.appeals import AppealLoader
from shequ.demo.loader import DemoLoader
from shequ.demo.logins import COMMUNITY_A, ensure_demo_logins
from shequ.jurisdiction.selectors import grid_for_point

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def demo():
    ensure_catalog()
    DemoLoader(scale="tiny", seed=7).run()
    ensure_demo_logins()
    return AppealLoader(count=400, seed=7, now=NOW).run()


def test_appeals_cover_the_workflow_and_their_timelines_follow_it(demo):
    assert demo["appeals"] == Appeal.objects.count() == 400
    statuses = dict(Appeal.objects.values_list("status").annotate(n=Count("id")))
    assert {"received", "in_progress", "replied", "closed"} <= set(statuses)
    assert Appeal.objects.values("number").distinct().count() == 400
    for appeal in Appeal.objects.prefetch_related("events")[:400]:
        events = list(appeal.events.all())
        assert events[0].verb == "submitted" and events[0].at == appeal.received_at
        for event in events[1:]:  # every step is a move the transition table allows
            assert event.to_status in TRANSITIONS[event.from_status] or event.from_status == event.to_status
        assert events[-1].to_status == appeal.status
        assert all(e.at <= NOW for e in events)
        assert appeal.received_at < appeal.completion_due_at


def test_appeals_lie_in_the_grid_of_their_point_and_are_scoped(demo):
    for appeal in Appeal.objects.order_by("id")[:50]:
        grid = grid_for_point(lng=appeal.lng, lat=appeal.lat)
        assert grid is not None and grid.pk == appeal.grid_id
    worker = User.objects.get(username="worker_a")
    mine = appeal_list(user=worker)
    assert mine.exists() and not mine.exclude(community__code=COMMUNITY_A).exists()
    # The routing reason names the kind of unit as the intake does (its label, not its code).
    reasons = set(Appeal.objects.values_list("routing_reason", flat=True))
    assert any("由社区/村承办" in r for r in reasons)
    assert not [r for r in reasons if re.search(r"由(grid|community|street)承办", r)]


def test_same_seed_same_appeals(demo):
    first = list(Appeal.objects.order_by("number").values_list("number", "status", "category_id", "lng"))
    Appeal.objects.all().delete()
    from shequ.appeals.models import AppealCounter
    AppealCounter.objects.all().delete()
    AppealLoader(count=400, seed=7, now=NOW).run()
    assert list(Appeal.objects.order_by("number").values_list("number", "status", "category_id", "lng")) == first
