"""Periodic background work. django-tasks runs tasks but has no clock, so ``shequ scheduler``
(started by ``make demo`` beside ``db_worker``) enqueues each task below at its interval; the
worker runs it. A task still waiting or running is not enqueued again, so a slow run never piles
up copies. In production run exactly one scheduler (docs/architecture.md)."""
from __future__ import annotations

import dataclasses
import importlib
import time

#: dotted path of a django-tasks task -> interval in seconds
PERIODIC: dict[str, int] = {
    "shequ.notify.tasks.notify_pending_task": 5,  # requesters told of changes to their appeals (docs/notifications.md)
    "shequ.appeals.tasks.appeals_sweep_task": 60,  # deadline warnings and escalations (docs/appeals.md)
    "shequ.core.tasks.audit_seal_task": 60,  # the audit log's hash chain (docs/security.md)
    "shequ.core.tasks.audit_alerts_task": 300,  # unusual bulk unmasking or export (docs/security.md)
    "shequ.core.tasks.idempotency_purge_task": 3600,  # request keys past their retention (docs/api.md)
    "shequ.indicators.tasks.registry_tally_task": 600,  # registry counts of the dashboard (docs/indicators.md)
}


@dataclasses.dataclass
class Due:
    path: str
    interval: int
    next_at: float = 0.0


def _task(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _busy(task) -> bool:
    """Whether a run of ``task`` is still waiting or running in the database backend."""
    from django.conf import settings

    backend = settings.TASKS.get(getattr(task, "backend", "default"), {}).get("BACKEND", "")
    if "django_tasks_db" not in backend:
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task.module_path, status__in=["READY", "RUNNING"]).exists()


def tick(schedule: list[Due], now: float) -> list[str]:
    """Enqueue every task whose time has come; return the paths enqueued."""
    enqueued = []
    for due in schedule:
        if now < due.next_at:
            continue
        due.next_at = now + due.interval
        task = _task(due.path)
        if _busy(task):
            continue
        task.enqueue()
        enqueued.append(due.path)
    return enqueued


def run(*, once: bool = False, sleep=time.sleep, clock=time.monotonic) -> None:
    schedule = [Due(path, interval) for path, interval in PERIODIC.items()]
    while True:
        tick(schedule, clock())
        if once:
            return
        sleep(min(d.interval for d in schedule) / 4)
