"""Stored governance reports 调研报告: one per request (node, period), generated in the background.

The report carries its node's ancestor columns (``Located``), so "the reports under a street" is
one indexed filter and the scope applies to them like to any located record. ``content`` is the
report as data (the web page, the .docx and the .pdf are all drawn from it); the files are kept in
the row, so every worker and web server sees the same bytes without shared storage.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located


class GovernanceReport(Located, BaseModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    FINISHED = (Status.DONE, Status.FAILED)

    node = models.ForeignKey("jurisdiction.Node", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("期初(含)"))
    end = models.DateField(_("期末(含)"))
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    step = models.CharField(_("当前步骤"), max_length=100, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    content = models.JSONField(_("报告内容"), null=True, blank=True)
    docx = models.BinaryField(_("Word 文档"), null=True, blank=True)
    pdf = models.BinaryField(_("PDF 文档"), null=True, blank=True)

    class Meta:
        verbose_name = _("调研报告")
        verbose_name_plural = _("调研报告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["street", "-created_at"], name="govreport_street_idx"),
                   models.Index(fields=["district", "-created_at"], name="govreport_district_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class RegistryTally(models.Model):
    """Registry counts per community (and birth year, for residents), rebuilt by
    ``services.registry_tally_refresh`` every few minutes (``core.schedule.PERIODIC``), so the
    dashboard sums a few thousand rows instead of scanning every resident of a district. Plain id
    columns, no foreign keys: the table is replaced whole on each refresh."""

    city_id = models.BigIntegerField(null=True)
    district_id = models.BigIntegerField(null=True)
    street_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField()
    birth_year = models.SmallIntegerField(null=True)  # residents' rows; None: households, or no birth date
    households = models.IntegerField(default=0)
    residents = models.IntegerField(default=0)
    floating = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["district_id", "street_id"], name="tally_district_idx"),
                   models.Index(fields=["street_id", "community_id"], name="tally_street_idx"),
                   models.Index(fields=["community_id"], name="tally_community_idx"),
                   models.Index(fields=["city_id", "district_id"], name="tally_city_idx")]


class RegistryTallyRun(models.Model):
    """When the tally was last rebuilt (one row)."""

    refreshed_at = models.DateTimeField()
    rows = models.IntegerField(default=0)
    seconds = models.FloatField(default=0)
