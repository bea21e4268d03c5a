"""Writes: requesting a governance report (queued for the background worker), generating it, and
recording each download. Requests and downloads are audit-logged."""
from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, ShequError
from shequ.core.tasks import enqueue_with_transaction
from shequ.core.validation import full_clean
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Node

from . import content as report_content
from . import documents
from .errors import IndicatorsError
from .models import GovernanceReport, RegistryTally, RegistryTallyRun
from .selectors import check_period

log = logging.getLogger(__name__)

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
}


@transaction.atomic
def report_request(*, actor, node: Node, start: dt.date, end: dt.date, ip: str | None = None) -> GovernanceReport:
    """Store a report request for ``node`` (in the actor's scope) and queue its generation."""
    scoping.ensure_can(actor, "indicators.report", node)
    check_period(start, end)
    report = GovernanceReport(node=node, start=start, end=end, requested_by=actor,
                              title=_("%(node)s社区治理情况报告(%(start)s至%(end)s)") % {
                                  "node": node.name, "start": start.isoformat(), "end": end.isoformat()})
    report.copy_location(node)
    full_clean(report, exclude=["content", "docx", "pdf"])
    report.save()
    audit_record(actor=actor, verb="indicators.report_requested", target=report, node_id=node.pk, ip=ip,
                 extra={"start": start.isoformat(), "end": end.isoformat()})
    from .tasks import report_generate_task

    enqueue_with_transaction(report_generate_task, report_id=report.pk)
    return report


def _progress(report: GovernanceReport, done: int, total: int, step: str) -> None:
    report.progress = min(99, int(100 * done / max(total, 1)))
    report.step = step[:100]
    report.save(update_fields=["progress", "step", "updated_at"])


def report_generate(*, report_id: int) -> GovernanceReport:
    """Generate a stored report: figures and problems from every provider, then the documents.

    Progress is saved after each step outside any long transaction, so a page polling the row
    sees it move. A failure marks the report failed with the reason (and is logged)."""
    report = GovernanceReport.objects.select_related("node").get(pk=report_id)
    if report.finished:
        return report
    report.status = GovernanceReport.Status.RUNNING
    report.save(update_fields=["status", "updated_at"])
    total = report_content.steps_total()
    done = 0

    def step(provider) -> None:
        nonlocal done
        done += 1
        _progress(report, done, total, provider.app)

    try:
        data = report_content.build_content(report.node, report.start, report.end, on_step=step)
        _progress(report, done, total, "docx")
        docx = documents.render_docx(data)
        done += 1
        _progress(report, done, total, "pdf")
        pdf = documents.render_pdf(data)
        done += 1
    except Exception as exc:  # noqa: BLE001 - any provider may fail; the stored report must not stay "running"
        log.exception("governance report %s failed", report_id)
        report.status = GovernanceReport.Status.FAILED
        report.error = f"{type(exc).__name__}: {exc}"[:300]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at", "updated_at"])
        if not isinstance(exc, ShequError):
            raise  # the task backend records the failure too
        return report
    report.content, report.docx, report.pdf = data, docx, pdf
    report.status = GovernanceReport.Status.DONE
    report.progress, report.step = 100, ""
    report.finished_at = timezone.now()
    report.save(update_fields=["content", "docx", "pdf", "status", "progress", "step", "finished_at", "updated_at"])
    return report


def report_download(*, actor, report: GovernanceReport, fmt: str, ip: str | None = None) -> tuple[bytes, str, str]:
    """The bytes, content type and file name of a finished report (``report`` fetched through
    ``selectors.report_get(with_files=True)``); the download is audit-logged."""
    scoping.ensure_can(actor, "indicators.report", report)
    if fmt not in FORMATS:
        raise InvalidInput(_("未知的文件格式"), code=IndicatorsError.UNKNOWN_FORMAT.value,
                           extra={"field": "format", "allowed": sorted(FORMATS)})
    data = getattr(report, fmt)
    if report.status != GovernanceReport.Status.DONE or not data:
        raise Conflict(_("报告尚未生成完成"), code=IndicatorsError.REPORT_NOT_READY.value,
                           extra={"status": report.status})
    audit_record(actor=actor, verb="indicators.report_downloaded", target=report, node_id=report.node_id, ip=ip,
                 extra={"format": fmt})
    content_type, ext = FORMATS[fmt]
    return bytes(data), content_type, f"report-{report.pk}-{report.node.code}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{ext}"


@transaction.atomic
def registry_tally_refresh() -> RegistryTallyRun:
    """Rebuild the registry tally: active residents per community, birth year, with the floating
    ones; households per community. Two aggregates and one bulk insert, replacing the table whole
    (readers see the old tally until the commit)."""
    import time

    from django.db.models import Count, Q
    from django.db.models.functions import ExtractYear

    from shequ.registry.models import Household, Resident

    started = time.perf_counter()
    location = ("city_id", "district_id", "street_id", "community_id")
    rows = [RegistryTally(**{k: row[k] for k in location}, birth_year=row["year"], residents=row["n"],
                          floating=row["floating"])
            for row in (Resident.objects.filter(status=Resident.Status.ACTIVE, community_id__isnull=False)
                        .values(*location, year=ExtractYear("birth_date"))
                        .annotate(n=Count("id"), floating=Count("id", filter=Q(residence_type=Resident.ResidenceType.FLOATING)))
                        .order_by())]
    rows += [RegistryTally(**{k: row[k] for k in location}, households=row["n"])
             for row in Household.objects.filter(community_id__isnull=False).values(*location)
             .annotate(n=Count("id")).order_by()]
    RegistryTally.objects.all().delete()
    RegistryTally.objects.bulk_create(rows, batch_size=5000)
    RegistryTallyRun.objects.all().delete()
    return RegistryTallyRun.objects.create(refreshed_at=timezone.now(), rows=len(rows),
                                           seconds=round(time.perf_counter() - started, 3))
