"""Background work of the platform core: sealing the audit log and watching it (docs/security.md)."""
from __future__ import annotations

import weakref

from django_tasks import task


@task()
def audit_seal_task() -> dict:
    """Add the audit rows written since the last run to the hash chain."""
    from .audit_chain import seal_pending

    return {"sealed": seal_pending()}


@task()
def audit_alerts_task() -> dict:
    """Alert administrators to accounts unmasking or exporting personal data in bulk."""
    from .audit_chain import unusual_access

    return {"alerts": len(unusual_access())}


def enqueue_with_transaction(task, **kwargs) -> None:
    """Enqueue ``task`` so that it runs only if the current transaction commits.

    With the database backend (the default) the task row is written in the same transaction as
    the data it works on: one commit instead of two, and a process killed right after the commit
    cannot leave the data without its task. Other backends (the immediate one the tests use) are
    enqueued once the transaction commits.
    """
    from django.db import transaction
    from django_tasks_db import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


@task()
def idempotency_purge_task() -> dict:
    """Forget request keys past their retention (shequ.core.idempotency)."""
    from .idempotency import purge

    return {"purged": purge()}


#: Backend -> the tasks it has validated (``task_row``); dropped with the backend.
_validated: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def task_row(task, **kwargs):
    """The row the database backend would write to enqueue ``task`` (not yet written), for a
    caller that writes it together with its own rows (``shequ.core.writes.insert_rows``); None
    with another backend, where the caller enqueues with ``enqueue_with_transaction`` once its rows
    are written. The same fields as ``DatabaseBackend.enqueue`` (a test compares the two)."""
    from django_tasks.utils import normalize_json
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    valid = _validated.setdefault(backend, set())
    if task not in valid:  # the checks of the task's function and options, once per backend
        backend.validate_task(task)
        valid.add(task)
    return DBTaskResult(id=backend._get_id(), args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
                        priority=task.priority, task_path=task.module_path, queue_name=task.queue_name,
                        run_after=task.run_after, backend_name=backend.alias)
