"""Background work of the platform core: sealing the audit log and watching it (docs/security.md)."""
from __future__ import annotations

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

    if uses_database_backend(task):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


@task()
def idempotency_purge_task() -> dict:
    """Forget request keys past their retention (shequ.core.idempotency)."""
    from .idempotency import purge

    return {"purged": purge()}


def uses_database_backend(task) -> bool:
    """Whether ``task`` runs through the database backend (the default): its rows are then in the
    same database as the data, and a periodic task may find work written by the requests instead of
    one task row per piece of work (``shequ.notify``)."""
    from django_tasks_db import DatabaseBackend

    return isinstance(task.get_backend(), DatabaseBackend)
