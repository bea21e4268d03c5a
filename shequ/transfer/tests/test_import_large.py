"""A ~20 MB CSV imports within reasonable time (the batched path with worker processes)."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from shequ.core.idcard import make_id_number
from shequ.core.models import AuditLog
from shequ.registry.models import Resident
from shequ.transfer.models import ImportJob

from .helpers import A_CODE, A_HOUSEHOLD, RESIDENT_HEADERS, error_lines, run_import

pytestmark = pytest.mark.django_db

TARGET_BYTES = 20 * 1024 * 1024


def _big_csv() -> tuple[bytes, int]:
    lines = [",".join(RESIDENT_HEADERS)]
    size, n = 0, 0
    base = dt.date(1940, 1, 1)
    while size < TARGET_BYTES:
        id_number = make_id_number("110105", base + dt.timedelta(days=n // 1000), n % 1000)
        line = f"{id_number},居民{n},139{n:08d},{A_HOUSEHOLD},其他,户籍人口,,{A_CODE}"
        lines.append(line)
        size += len(line.encode()) + 2
        n += 1
    return ("\r\n".join(lines) + "\r\n").encode(), n


@pytest.mark.slow
def test_twenty_megabyte_csv_imports_in_reasonable_time(world):
    content, rows = _big_csv()
    assert len(content) >= TARGET_BYTES
    before = Resident.objects.count()
    started = time.monotonic()
    job = run_import(world.users["worker_a"], content, mode="whole")
    elapsed = time.monotonic() - started
    assert job.status == ImportJob.Status.DONE, error_lines(job)[:5]
    assert (job.created_count, job.processed_rows, job.total_rows) == (rows, rows, rows)
    assert Resident.objects.count() == before + rows
    assert elapsed < 120, f"{rows} rows took {elapsed:.1f}s"
    audited = sum(len(ids) for ids in AuditLog.objects.filter(verb="resident.imported").values_list("extra__ids", flat=True))
    assert audited == rows
