"""Scoped reads of import jobs: a user sees their own jobs; a system admin sees all."""
from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping

from .models import ImportJob, ImportRowError
from .progress import progress_overlay


def import_job_list(*, user) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.all()
    if not scoping.is_global(user):
        qs = qs.filter(created_by=user)
    return qs.order_by("-created_at", "-id")


def import_job_get(*, user, pk: int) -> ImportJob:
    job = import_job_list(user=user).filter(pk=pk).first()
    if job is None:
        raise NotInScope(_("导入任务不存在"))
    progress_overlay(job)
    return job


def import_error_list(*, job: ImportJob) -> QuerySet[ImportRowError]:
    return job.errors.order_by("row", "id")
