"""The deadline sweep: warnings at the class fraction, escalation to the level above when
overdue, once per round, in a fixed number of queries."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from shequ.appeals import services
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.tasks import appeals_sweep_task
from shequ.core.models import AuditLog

from .factories import THURSDAY_10, submit


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_warning_time_is_the_class_fraction_of_the_completion_time(world):
    appeal = submit(code="elderly_alone")  # emergency: 2 h, warning at 0.8 -> 96 minutes
    assert appeal.completion_warn_at == THURSDAY_10 + dt.timedelta(minutes=96)


def test_sweep_warns_then_escalates_once(world):
    grid_appeal = submit(code="elderly_alone", at="A")                 # due 12:00, handled by A's grid
    dept_appeal = submit(code="elevator_trapped", at="B")  # emergency; no 应急管理 department -> the district
    closed = submit(code="elderly_alone", at="C")
    services.appeal_close(actor=world.users["admin"], appeal_id=closed.pk, note="误报")

    assert services.appeals_sweep(now=sh(2026, 11, 26, 11, 0)).warned == 0
    result = services.appeals_sweep(now=sh(2026, 11, 26, 11, 45))
    assert (result.warned, result.escalated) == (2, 0)
    assert services.appeals_sweep(now=sh(2026, 11, 26, 11, 50)).warned == 0  # once per round

    result = services.appeals_sweep(now=sh(2026, 11, 26, 12, 1))
    assert (result.warned, result.escalated) == (0, 2)
    grid_appeal.refresh_from_db()
    dept_appeal.refresh_from_db()
    assert grid_appeal.escalated_to == world.nodes["A"]                 # grid -> its community
    assert dept_appeal.handling_node == world.nodes["district"]
    assert dept_appeal.escalated_to == world.nodes["district"]          # the district stays the district
    assert services.appeals_sweep(now=sh(2026, 11, 26, 13, 0)).escalated == 0
    assert list(AppealEvent.objects.filter(appeal=grid_appeal).values_list("verb", flat=True)) == [
        "submitted", "response_overdue", "warned", "escalated"]  # never signed for: response due 11:00
    assert not AppealEvent.objects.filter(appeal=closed, verb__in=["warned", "escalated"]).exists()
    assert AuditLog.objects.filter(verb="appeal.escalated").get().extra["ids"] == sorted([grid_appeal.pk, dept_appeal.pk])


def test_department_appeal_escalates_to_its_district(world):
    worker = world.users["worker_a"]
    appeal = submit(actor=worker)
    services.appeal_accept(actor=worker, appeal_id=appeal.pk)
    services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"])
    services.appeals_sweep(now=appeal.completion_due_at + dt.timedelta(minutes=1))
    appeal.refresh_from_db()
    assert appeal.escalated_to == world.nodes["district"]


def test_reopen_starts_a_new_round(world):
    worker = world.users["worker_a"]
    appeal = submit(actor=worker, code="elderly_alone")
    services.appeals_sweep(now=sh(2026, 11, 26, 12, 30))
    for step in ("accept", "start"):
        getattr(services, f"appeal_{step}")(actor=worker, appeal_id=appeal.pk)
    services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="已上门")
    reopened = services.appeal_reopen(actor=worker, appeal_id=appeal.pk, reason="仍需帮助", now=sh(2026, 11, 26, 14, 0))
    assert reopened.warned_at is None and reopened.escalated_at is None and reopened.escalated_to is None
    assert reopened.completion_due_at == sh(2026, 11, 26, 16, 0)
    assert reopened.completion_warn_at == sh(2026, 11, 26, 15, 36)


def test_sweep_query_count_does_not_grow_with_appeals(world, django_assert_max_num_queries):
    for key in ("A", "B", "C", "A", "B"):
        submit(code="elderly_alone", at=key)
    with django_assert_max_num_queries(15):
        result = services.appeals_sweep(now=sh(2026, 11, 27, 0, 0))
    assert (result.warned, result.escalated, result.response_overdue) == (5, 5, 5)
    assert Appeal.objects.filter(escalated_at__isnull=False).count() == 5


def test_sweep_task_runs(world):
    submit(code="elderly_alone", now=timezone.now() - dt.timedelta(hours=3))  # due an hour ago
    result = appeals_sweep_task.enqueue()  # the immediate backend in tests
    folded = result.return_value.pop("rates_folded")
    assert result.return_value == {"warned": 1, "escalated": 1, "response_overdue": 1}
    if connection.vendor == "postgresql":  # the submission's and the marks' appended rate cells, moved
        assert folded > 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM appeals_rate_delta")
            assert cursor.fetchone()[0] == 0
    else:
        assert folded == 0
