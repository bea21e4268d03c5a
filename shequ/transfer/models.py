"""Import jobs: an uploaded file, its progress and its row-by-row error report."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.models import BaseModel


class Kind(models.TextChoices):
    RESIDENTS = "residents", _("居民")
    HOUSEHOLDS = "households", _("户")
    HOUSES = "houses", _("房屋")
    UNITS = "units", _("实有单位")
    FEED_12345 = "feed12345", _("12345 工单(诉求)")


class Mode(models.TextChoices):
    WHOLE = "whole", _("整体导入(有任何错误则全部不导入)")
    VALID_ROWS = "valid_rows", _("导入有效行(跳过有错误的行)")


class ImportJob(BaseModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        WRITING = "writing", _("写入中")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("有错误,未导入")
        FAILED = "failed", _("失败")

    FINISHED = (Status.DONE, Status.REJECTED, Status.FAILED)

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    kind = models.CharField(_("导入类型"), max_length=16, choices=Kind.choices)
    mode = models.CharField(_("导入方式"), max_length=16, choices=Mode.choices, default=Mode.WHOLE)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total_rows = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("jurisdiction.Node", verbose_name=_("导入人辖区"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))


class ImportRowError(models.Model):
    """One line of the error report: 第N行, column, reason."""

    job = models.ForeignKey(ImportJob, verbose_name=_("导入任务"), on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=64, blank=True)
    message = models.CharField(_("原因"), max_length=300)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"], name="transfer_error_job_row_idx")]

    def __str__(self) -> str:
        return f"{self.row}: {self.column} {self.message}"
