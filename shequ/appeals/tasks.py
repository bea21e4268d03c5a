"""Background work of appeals (django-tasks; the database backend in production)."""
from __future__ import annotations

from django_tasks import task


@task()
def appeals_sweep_task() -> dict:
    """Warn and escalate overdue appeals, then fold the rates' appended cells into the daily
    table (PostgreSQL); meant to run every minute (see docs/appeals.md)."""
    from .metrics import rates_fold
    from .services import appeals_sweep

    result = appeals_sweep()
    return {"warned": result.warned, "escalated": result.escalated, "response_overdue": result.response_overdue,
            "rates_folded": rates_fold()}
