"""Background generation of governance reports (django-tasks; the database backend in production)."""
from __future__ import annotations

from django_tasks import task


@task()
def report_generate_task(report_id: int) -> dict:
    """Compute the figures, detect the problems and draw the .docx and .pdf of one stored report."""
    from .services import report_generate

    report = report_generate(report_id=report_id)
    return {"status": report.status, "progress": report.progress}


@task()
def registry_tally_task() -> dict:
    """Rebuild the registry tally the dashboard reads (every few minutes, see core.schedule)."""
    from .services import registry_tally_refresh

    run = registry_tally_refresh()
    return {"rows": run.rows, "seconds": run.seconds}
