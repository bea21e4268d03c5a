"""Large imports show progress while the one-pass transaction is still open."""
from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.idcard import make_id_number
from shequ.transfer import progress, selectors, services
from shequ.transfer.models import ImportJob

from .helpers import A_CODE, A_HOUSEHOLD, RESIDENT_HEADERS, run_import

pytestmark = pytest.mark.django_db


def _csv(rows: int) -> bytes:
    lines = [",".join(RESIDENT_HEADERS)]
    for n in range(rows):
        id_number = make_id_number("110105", dt.date(1960, 1, 1) + dt.timedelta(days=n // 900), n % 900)
        lines.append(f"{id_number},居民{n},139{n:08d},{A_HOUSEHOLD},其他,户籍人口,,{A_CODE}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_running_import_reports_rows_done_through_the_cache(world, monkeypatch):
    seen: list[tuple[int, int]] = []

    def record(job_id, *, processed, errors):
        seen.append((processed, errors))
        progress.progress_set(job_id, processed=processed, errors=errors)

    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0)
    monkeypatch.setattr(services, "progress_set", record)
    job = run_import(world.users["worker_a"], _csv(12_000))
    assert job.status == ImportJob.Status.DONE
    assert [p for p, _e in seen] == [5000, 10000, 12000]
    # finished: the row holds the final counts and the live entry is gone
    assert selectors.import_job_get(user=world.users["worker_a"], pk=job.pk).processed_rows == 12000


def test_job_page_and_api_show_live_counts_of_a_running_job(world, client):
    job = run_import(world.users["worker_a"], _csv(3))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING, processed_rows=0, total_rows=None)
    progress.progress_set(job.pk, processed=4200, errors=3)
    client.force_login(world.users["worker_a"])
    answer = client.get(f"/api/transfer/imports/{job.pk}").json()
    assert (answer["processed_rows"], answer["error_count"]) == (4200, 3)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, processed_rows=3)
    assert client.get(f"/api/transfer/imports/{job.pk}").json()["processed_rows"] == 3
