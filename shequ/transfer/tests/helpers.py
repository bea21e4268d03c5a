"""Build import files the way users make them: CSV in UTF-8/GBK, .xlsx with openpyxl."""
from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.idcard import make_id_number
from shequ.transfer import services
from shequ.transfer.models import ImportJob

RESIDENT_HEADERS = ["身份证号", "姓名", "联系电话", "户号", "与户主关系", "人口类型", "标签", "社区代码"]
A_CODE, B_CODE, C_CODE = "110105001001", "110105001002", "110105002001"
A_HOUSEHOLD, B_HOUSEHOLD = "H110105001001101", "H110105001002101"


def new_id(n: int) -> str:
    return make_id_number("110105", dt.date(1990, 1, 1) + dt.timedelta(days=n % 9000), 500 + n)


def resident_row(n: int, *, household=A_HOUSEHOLD, community=A_CODE, tags="", phone=None, name=None) -> list[str]:
    return [new_id(n), name or f"居民{n}", phone if phone is not None else f"139{n:08d}", household, "其他", "户籍人口", tags, community]


def csv_bytes(headers, rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(headers, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(user, content: bytes, *, kind="residents", mode="whole", name="import.csv") -> ImportJob:
    return services.import_job_create(actor=user, file=SimpleUploadedFile(name, content), kind=kind, mode=mode)


def error_lines(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in job.errors.order_by("row", "id")]
