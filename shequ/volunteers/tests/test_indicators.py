"""The volunteers indicators: volunteers per 1,000 residents, confirmed hours, call-out response rate."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.volunteers import indicators, services

from .factories import activity, register


def test_compute(world):
    user = world.users["worker_a"]
    v1 = register(world, "A101h")
    register(world, "A102h")
    a = activity(world, start=timezone.now() - dt.timedelta(days=1), hours="3")
    s = services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v1.pk, now=timezone.now() - dt.timedelta(days=2))
    services.signup_check_in(actor=user, signup_id=s.pk)
    services.signup_confirm_hours(actor=user, signup_id=s.pk)
    c = services.callout_create(actor=user, grid_id=world.nodes["A_grid"].pk, kind="door_to_door", message="入户")
    services.callout_answer(actor=user, callout_id=c.pk, volunteer_id=v1.pk, answer="yes")
    today = timezone.localdate()
    nodes = [world.nodes["A"], world.nodes["B"], world.nodes["district"]]
    with CaptureQueriesContext(connection) as ctx:
        figures = indicators.compute(nodes, today - dt.timedelta(days=30), today)
    assert len(ctx.captured_queries) <= 8
    assert figures[world.nodes["A"].pk] == {"volunteers_per_1000": 500.0, "volunteer_hours": 3.0, "callout_response_rate": 50.0}
    assert figures[world.nodes["B"].pk] == {"volunteers_per_1000": 0.0, "volunteer_hours": 0.0, "callout_response_rate": None}
    assert figures[world.nodes["district"].pk]["volunteers_per_1000"] == round(2 * 1000 / 12, 1)
    assert {i["key"] for i in indicators.INDICATORS} == set(figures[world.nodes["A"].pk])
