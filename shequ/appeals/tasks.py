"""Background work of appeals (django-tasks; the database backend in production)."""
from __future__ import annotations

from django_tasks import task


@task()
def appeals_sweep_task() -> dict:
    """Warn and escalate overdue appeals; meant to run every few minutes (see docs/appeals.md)."""
    from .services import appeals_sweep

    result = appeals_sweep()
    return {"warned": result.warned, "escalated": result.escalated, "response_overdue": result.response_overdue}
