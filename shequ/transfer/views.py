"""Import/export pages. Views only parse the request and call services and selectors."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.errors import NotAllowed, NotInScope, ShequError
from shequ.jurisdiction import scoping

from . import exports, selectors, services
from .columns import TEMPLATE_NAMES
from .models import Kind, Mode

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 500


def table_response(headers, rows, *, fmt: str, filename: str, title: str = "Sheet1"):
    """A CSV (streamed) or .xlsx (write-only) download of ``rows``."""
    if fmt not in exports.FORMATS:
        raise Http404
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_stream(headers, rows), content_type=CSV_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
        return response
    out = exports.xlsx_file(headers, rows, title=title, text_columns=exports.text_columns(headers))
    return FileResponse(out, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)


def _raise_http(exc: ShequError):
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    if isinstance(exc, NotInScope):
        raise Http404(exc.message)
    raise exc


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    import_kinds = services.importable_kinds(request.user)
    can_import = bool(import_kinds)
    can_export = scoping.can(request.user, "registry.export")
    if not (can_import or can_export):
        raise PermissionDenied(_("您的角色无权导入或导出登记数据"))
    error = ""
    form = {"kind": request.POST.get("kind", import_kinds[0][0] if import_kinds else ""),
            "mode": request.POST.get("mode", Mode.WHOLE)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要导入的文件")
        else:
            try:
                job = services.import_job_create(actor=request.user, file=upload, kind=form["kind"], mode=form["mode"])
                return redirect("transfer:job", pk=job.pk)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except ShequError as exc:
                error = exc.message
    return render(request, "transfer/import.html", {
        "kinds": import_kinds, "export_kinds": [(v, label) for v, label in Kind.choices if v in exports.EXPORTABLE],
        "modes": Mode.choices, "form": form, "error": error,
        "can_import": can_import, "can_export": can_export, "can_unmask": scoping.can_unmask(request.user),
        "jobs": selectors.import_job_list(user=request.user)[:10] if can_import else [],
    }, status=422 if error else 200)


def _job_context(request, pk: int) -> dict:
    try:
        job = selectors.import_job_get(user=request.user, pk=pk)
    except NotInScope:
        raise Http404 from None
    errors = selectors.import_error_list(job=job)[:ERRORS_SHOWN] if job.finished else []
    return {"job": job, "errors": errors, "errors_shown": ERRORS_SHOWN}


@login_required
def job_page(request, pk: int):
    return render(request, "transfer/job.html", _job_context(request, pk))


@login_required
def job_progress(request, pk: int):
    """The progress fragment the job page polls with htmx (it stops polling when the job ends)."""
    return render(request, "transfer/partials/progress.html", _job_context(request, pk))


@login_required
def job_errors(request, pk: int, fmt: str):
    try:
        job = selectors.import_job_get(user=request.user, pk=pk)
    except NotInScope:
        raise Http404 from None
    headers, rows = exports.error_report_rows(selectors.import_error_list(job=job))
    return table_response(headers, rows, fmt=fmt, filename=f"导入错误报告-{job.pk}", title=_("错误报告"))


@login_required
def template_download(request, kind: str, fmt: str):
    if kind not in Kind.values:
        raise Http404
    headers, rows = exports.template_rows(kind)
    return table_response(headers, rows, fmt=fmt, filename=str(TEMPLATE_NAMES[kind]), title=str(TEMPLATE_NAMES[kind]))


@login_required
def export_download(request, kind: str, fmt: str):
    if kind not in Kind.values or fmt not in {"csv", "xlsx"}:
        raise Http404
    unmask = request.GET.get("unmask") in {"1", "true", "yes"}
    try:
        headers, rows = exports.export_rows(actor=request.user, kind=kind, unmask=unmask, fmt=fmt)
    except ShequError as exc:
        _raise_http(exc)
    label = Kind(kind).label
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return table_response(headers, rows, fmt=fmt, filename=f"{label}-{stamp}{'-明文' if unmask else ''}", title=str(label))


