"""Import/export API: upload a file (→ job id), follow its progress and errors, templates, exports."""
from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from shequ.core.errors import InvalidInput

from . import exports, selectors, services
from .columns import TEMPLATE_NAMES
from .models import Kind, Mode
from .views import table_response

router = Router(tags=["导入导出"])


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportJobOut(Schema):
    id: int
    kind: str
    mode: str
    status: str
    status_label: str
    file_name: str
    total_rows: int | None
    processed_rows: int
    percent: int
    created_count: int
    updated_count: int
    error_count: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    errors: list[ImportErrorOut]


def _job_out(job, error_limit: int) -> dict:
    errors = list(selectors.import_error_list(job=job)[:error_limit]) if job.finished else []
    return {
        "id": job.pk, "kind": job.kind, "mode": job.mode, "status": job.status, "status_label": job.get_status_display(),
        "file_name": job.original_name, "total_rows": job.total_rows, "processed_rows": job.processed_rows,
        "percent": job.percent, "created_count": job.created_count, "updated_count": job.updated_count,
        "error_count": job.error_count, "message": job.message, "created_at": job.created_at,
        "finished_at": job.finished_at, "errors": errors,
    }


@router.post("/imports", response={201: ImportJobOut}, summary="上传文件并导入(返回导入任务)")
def import_create(request, file: File[UploadedFile], kind: Form[Kind], mode: Form[Mode] = Mode.WHOLE):
    job = services.import_job_create(actor=request.user, file=file, kind=kind, mode=mode)
    return Status(201, _job_out(job, 100))


@router.get("/imports/{job_id}", response=ImportJobOut, summary="导入任务的进度和错误报告")
def import_get(request, job_id: int, error_limit: int = 100):
    job = selectors.import_job_get(user=request.user, pk=job_id)
    return _job_out(job, max(0, min(error_limit, 10000)))


@router.get("/templates/{kind}", summary="下载导入模板(format=xlsx 或 csv)")
def template_get(request, kind: Kind, format: str = "xlsx"):
    headers, rows = exports.template_rows(kind)
    name = str(TEMPLATE_NAMES[kind])
    return table_response(headers, rows, fmt=_fmt(format), filename=name, title=name)


@router.get("/exports/{kind}", summary="导出辖区内数据(默认脱敏;unmask=true 需明文权限并记入审计日志)")
def export_get(request, kind: Kind, format: str = "csv", unmask: bool = False):
    headers, rows = exports.export_rows(actor=request.user, kind=kind, unmask=unmask, fmt=_fmt(format))
    return table_response(headers, rows, fmt=format, filename=f"{kind}{'-unmasked' if unmask else ''}", title=str(Kind(kind).label))


def _fmt(value: str) -> str:
    if value not in exports.FORMATS:
        raise InvalidInput(_("只支持 csv 和 xlsx 格式"), extra={"field": "format"})
    return value
