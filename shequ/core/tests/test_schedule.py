"""The scheduler enqueues periodic tasks at their interval, and not again while one waits."""
from django.core.management import call_command
from django.test import override_settings

from shequ.core import schedule
from shequ.core.testing import DB_TASKS


@override_settings(TASKS=DB_TASKS)
def test_tick_enqueues_when_due_and_not_while_waiting(db):
    from django_tasks_db.models import DBTaskResult

    due = [schedule.Due("shequ.appeals.tasks.appeals_sweep_task", 60)]
    assert schedule.tick(due, now=1000.0) == ["shequ.appeals.tasks.appeals_sweep_task"]
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert schedule.tick(due, now=1030.0) == []          # not yet due
    assert schedule.tick(due, now=1061.0) == []          # due, but the first run still waits
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert schedule.tick(due, now=1122.0) == ["shequ.appeals.tasks.appeals_sweep_task"]
    assert DBTaskResult.objects.count() == 2


@override_settings(TASKS=DB_TASKS)
def test_command_once(db):
    from django_tasks_db.models import DBTaskResult

    call_command("scheduler", "--once")
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == sorted(schedule.PERIODIC)
    assert "shequ.appeals.tasks.appeals_sweep_task" in schedule.PERIODIC
