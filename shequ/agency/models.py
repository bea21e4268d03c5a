"""Full agency 全程代办 and door-to-door service 上门服务.

* ``Matter`` 代办事项: the catalog of what a community handles on a resident's behalf (data, edited
  in the admin), each with its step template (``MatterStep``), its materials list, the level that
  decides it and the time limit promised to the resident.
* ``AgencyCase`` 代办件: one matter handled for one resident by an agent (代办员), located where the
  resident lives (``Located``: the ancestor columns, so scope works as for appeals). Its steps
  (``CaseStep``) are copied from the template when the case is opened.
* ``Trip`` 跑腿: each time the resident had to come in person; ``AgencyCase.trip_count`` keeps the
  count the measures read ("at most one trip" 最多跑一趟, docs/agency.md).
* ``Visit`` 上门服务: a visit to a resident's home, assigned to the grid worker of the house's grid.

Every change goes through ``services.py``.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Department, Located, Node

from .errors import AgencyErrorCode


class MatterLevel(models.TextChoices):
    """Who decides the matter (the agent carries the file there)."""

    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道/乡镇")
    DEPARTMENT = "department", _("区直部门")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class Matter(BaseModel):
    """One matter of the agency catalog 代办事项目录."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    group = models.CharField(_("类别"), max_length=40, blank=True)
    level = models.CharField(_("审批层级"), max_length=16, choices=MatterLevel.choices)
    department_kind = models.CharField(_("审批部门类别"), max_length=32, choices=Department.Kind.choices, blank=True)
    materials = models.TextField(_("所需材料"), blank=True, help_text=_("每行一项"))
    limit_value = models.PositiveIntegerField(_("承诺时限"))
    limit_unit = models.CharField(_("时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("代办事项")
        verbose_name_plural = _("代办事项")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(limit_value__gte=1), name="matter_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class MatterStep(models.Model):
    """One step of a matter's template (受理 → 材料收齐 → 送审 → 审批 → 结果送达)."""

    matter = models.ForeignKey(Matter, verbose_name=_("代办事项"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤"), max_length=60)

    class Meta:
        verbose_name = _("办理步骤模板")
        verbose_name_plural = _("办理步骤模板")
        ordering = ["matter", "order"]
        constraints = [models.UniqueConstraint(fields=["matter", "order"], name="matter_step_unique_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Delivery(models.TextChoices):
    DOOR = "door", _("送达上门")
    COLLECTED = "collected", _("居民自取")
    ONLINE = "online", _("线上送达")


class AgencyCase(Located, BaseModel):
    """A matter handled on a resident's behalf 代办件. Located where the resident lives."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("办理中")
        COMPLETED = "completed", _("已办结")
        CANCELLED = "cancelled", _("已撤销")

    number = models.CharField(_("代办编号"), max_length=32, unique=True, null=True, blank=True, editable=False)
    resident = models.ForeignKey("registry.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="agency_cases")
    matter = models.ForeignKey(Matter, verbose_name=_("代办事项"), on_delete=models.PROTECT, related_name="cases")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代办员"), on_delete=models.PROTECT, related_name="agency_cases")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("关联诉求"), null=True, blank=True, on_delete=models.SET_NULL, related_name="agency_cases")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    note = models.TextField(_("情况说明"), blank=True)
    received_at = models.DateTimeField(_("受理时间"))
    due_at = models.DateTimeField(_("承诺办结时间"))
    materials_received = models.JSONField(_("已收材料"), default=list, blank=True)
    trip_count = models.PositiveSmallIntegerField(_("居民跑腿次数"), default=0, editable=False)
    delivery = models.CharField(_("结果送达方式"), max_length=16, choices=Delivery.choices, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("撤销原因"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("代办件")
        verbose_name_plural = _("代办件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="agency_case_community_idx"),
            models.Index(fields=["status", "closed_at"], name="agency_case_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def transition_to(self, status: str) -> str:
        """Leave ``in_progress`` for ``completed`` or ``cancelled``; anything else is 409."""
        if self.status != self.Status.IN_PROGRESS or status == self.Status.IN_PROGRESS:
            raise InvalidTransition(_("代办件当前状态不允许此操作"), code=AgencyErrorCode.INVALID_TRANSITION,
                                    extra={"from": self.status, "to": str(status)})
        previous, self.status = self.status, status
        return previous


class CaseStep(models.Model):
    """One step of a case, copied from the matter's template, done in order."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待办")
        DONE = "done", _("已完成")
        SKIPPED = "skipped", _("无需办理")

    case = models.ForeignKey(AgencyCase, verbose_name=_("代办件"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤"), max_length=60)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("代办步骤")
        verbose_name_plural = _("代办步骤")
        ordering = ["case", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "order"], name="case_step_unique_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def finished(self) -> bool:
        return self.status != self.Status.PENDING


class Trip(models.Model):
    """One time the resident had to come in person for a case (a "trip" 跑一趟), with the reason."""

    case = models.ForeignKey(AgencyCase, verbose_name=_("代办件"), on_delete=models.CASCADE, related_name="trips")
    at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("原因"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("居民跑腿记录")
        verbose_name_plural = _("居民跑腿记录")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d} {self.reason}"


class Visit(Located, BaseModel):
    """A door-to-door visit 上门服务 to a resident, assigned to the grid worker of the house's grid.

    Located at the resident's house, so a grid worker sees the visits of their grid.
    """

    class Kind(models.TextChoices):
        ELDERLY_ALONE = "elderly_alone", _("独居/空巢老人")
        DISABLED = "disabled", _("残疾人")
        AGENCY = "agency", _("代办上门")
        APPEAL = "appeal", _("诉求上门")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待上门")
        DONE = "done", _("已上门")
        CANCELLED = "cancelled", _("已取消")

    resident = models.ForeignKey("registry.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(_("上门类型"), max_length=16, choices=Kind.choices)
    case = models.ForeignKey(AgencyCase, verbose_name=_("代办件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="visits")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("关联诉求"), null=True, blank=True, on_delete=models.SET_NULL, related_name="visits")
    purpose = models.TextField(_("上门事由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("应上门时间"))
    assigned_node = models.ForeignKey(Node, verbose_name=_("承接单位"), on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上门人员"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="agency_visits")
    assignment_note = models.CharField(_("派单说明"), max_length=300)
    visited_at = models.DateTimeField(_("上门时间"), null=True, blank=True)
    outcome = models.TextField(_("上门结果"), blank=True)
    solved_at_door = models.BooleanField(_("当场解决"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("上门服务")
        verbose_name_plural = _("上门服务")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="visit_assignee_idx"),
            models.Index(fields=["grid", "status", "due_at"], name="visit_grid_idx"),
            models.Index(fields=["community", "status", "due_at"], name="visit_community_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
