"""Progress of a running import, readable by other processes while its transaction is open.

The one-pass resident import writes inside one transaction (and on SQLite holds the write
lock), so progress saved on the job row would be invisible until the end. It goes to the
cache instead (settings.CACHES: a file cache under var/ by default, shared by the web server
and the background worker on one machine; point it at a shared cache when they are apart).
"""
from __future__ import annotations

from django.core.cache import cache

TTL_SECONDS = 6 * 3600


def _key(job_id: int) -> str:
    return f"shequ:import-progress:{job_id}"


def progress_set(job_id: int, *, processed: int, errors: int) -> None:
    cache.set(_key(job_id), {"processed": processed, "errors": errors}, TTL_SECONDS)


def progress_clear(job_id: int) -> None:
    cache.delete(_key(job_id))


def progress_overlay(job) -> None:
    """Show a running job's live counts (in memory only; the row is updated when the pass ends)."""
    if job.status in job.FINISHED:
        return
    live = cache.get(_key(job.pk))
    if live and live["processed"] > (job.processed_rows or 0):
        job.processed_rows = live["processed"]
        job.error_count = max(job.error_count or 0, live["errors"])
