"""The demo data of volunteers and consultation: deterministic amounts, the rules hold (one ballot
per household), the indicators and problems find something to show."""
import pytest
from django.db.models import Count
from django.utils import timezone

from shequ.consultation import indicators
from shequ.consultation.demo import load_demo as consultation_demo
from shequ.accounts.models import User
from shequ.consultation import selectors
from shequ.consultation.models import Action, Topic, Vote
from shequ.demo.loader import DISTRICT_CODE, DemoLoader
from shequ.demo.logins import ensure_demo_logins
from shequ.jurisdiction.models import Node
from shequ.volunteers import indicators as volunteer_indicators
from shequ.volunteers.demo import load_demo as volunteers_demo
from shequ.volunteers.models import SignUp, Volunteer

pytestmark = pytest.mark.django_db


def test_demo_fills_both_modules():
    DemoLoader(scale="tiny", seed=7).run()
    made = volunteers_demo(district_code=DISTRICT_CODE, seed=7)
    assert made["volunteers"] == Volunteer.objects.count() > 0 and made["activities"] == 6 * 4
    assert SignUp.objects.filter(status="confirmed").exists()
    outsider = Volunteer.objects.filter(resident__isnull=True).first()
    assert outsider.phone and outsider.phone_hash
    counts = consultation_demo(district_code=DISTRICT_CODE, seed=7)
    assert counts["topics"] == Topic.objects.count() >= 12
    assert not Vote.objects.values("topic_id", "household_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Topic.objects.filter(kind="covenant", status="published").exists()
    district = Node.objects.get(code=DISTRICT_CODE)
    today = timezone.localdate()
    start = today.replace(year=today.year - 1)
    assert volunteer_indicators.compute([district], start, today)[district.pk]["volunteer_hours"] > 0
    keys = {p["key"] for p in indicators.problems([district], start, today)}
    assert "consultation_not_implemented" in keys
    # the staff list's counts per topic (subqueries) equal the rows counted one topic at a time, for
    # topics with both several votes and several actions
    ensure_demo_logins()
    listed = list(selectors.topic_list(user=User.objects.get(username="office")))
    assert len(listed) == Topic.objects.count()
    assert any(t.vote_count > 1 and Action.objects.filter(topic=t).count() > 1 for t in listed)
    for t in listed:
        assert t.vote_count == Vote.objects.filter(topic=t).count()
        assert t.actions_open == Action.objects.filter(topic=t, done_at__isnull=True).count()
