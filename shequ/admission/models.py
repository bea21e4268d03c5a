"""Community work admission 社区工作准入 and burden reduction 减负 (SPEC M2).

* ``AdmissionList`` — one version of a district's lists (duties by law, assisting work, seal-use
  scope, certificates, plaques allowed), with ``AdmissionItem`` rows. Drafts are edited by the
  district community office; publishing one puts it in force from a date and ends the previous
  version the day before, so "which list was in force on a date" is one query.
* ``WorkTask`` — a department's request to have communities do work. On-list basic work goes out
  directly, on-list assisting work only with its funding (费随事转); off-list work, service work and
  anything that would release registry data wait for the office (approve / reject / send back).
* ``Assignment`` — a task reaching one community (and, forwarded, one of its grids), with a due
  date, completion and results. "Overdue" is a query, never a stored flag.
* ``UnadmittedReport`` — work that reached a community outside the system; it counts against the
  sending department.
* ``StampRecord`` — a seal use or a certificate asked of a community, checked against the lists.
* ``Plaque`` — a plaque hanging at a community (allowed when it matches the plaque list).
* ``AvoidedCollection`` — a door-to-door collection a community did not have to make because the
  registry's data were reused.
* ``BurdenPolicy`` — the burden index weights and the thresholds of the indicator problems.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Department, Located, Node

from .errors import AdmissionErrorCode


class Category(models.TextChoices):
    DUTY = "duty", _("依法履行职责事项")
    ASSISTING = "assisting", _("依法协助政府工作事项")
    SEAL = "seal", _("印章使用范围")
    CERTIFICATE = "certificate", _("可出具证明事项")
    PLAQUE = "plaque", _("允许悬挂的牌子")


class DutyClass(models.TextChoices):
    BASIC = "basic", _("基本职责")
    ASSISTING = "assisting", _("协助职责")
    SERVICE = "service", _("服务职责")


#: The list category an on-list task of each duty class must name (service work is never on a list).
CLASS_CATEGORY = {DutyClass.BASIC: Category.DUTY, DutyClass.ASSISTING: Category.ASSISTING}


class AdmissionList(BaseModel):
    """One version of a district's admission lists (三份名录 and the certificate and plaque lists)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被新版本取代")

    district = models.ForeignKey(Node, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+",
                                 limit_choices_to={"level": "district"})
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("名称"), max_length=150)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    effective_to = models.DateField(_("停止施行日期"), null=True, blank=True, help_text=_("由下一版本发布时填写"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    is_default = models.BooleanField(_("默认清单"), default=False, help_text=_("由系统默认项目生成,尚待区社区办修改"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("准入清单版本")
        verbose_name_plural = _("准入清单版本")
        ordering = ["district", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="admission_list_unique_version"),
            models.CheckConstraint(condition=models.Q(effective_to__isnull=True) | models.Q(effective_from__isnull=False),
                                   name="admission_list_end_needs_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def audit_node_id(self) -> int:
        return self.district_id

    def in_force_on(self, day: dt.date) -> bool:
        return (self.status != self.Status.DRAFT and self.effective_from is not None and self.effective_from <= day
                and (self.effective_to is None or day <= self.effective_to))


class AdmissionItem(BaseModel):
    admission_list = models.ForeignKey(AdmissionList, verbose_name=_("清单版本"), on_delete=models.CASCADE,
                                       related_name="items")
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("事项名称"), max_length=200)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["admission_list", "category", "sort", "id"]
        constraints = [models.UniqueConstraint(fields=["admission_list", "code"], name="admission_item_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FundingMode(models.TextChoices):
    NONE = "none", _("无经费")
    PER_COMMUNITY = "per_community", _("按社区(元/社区)")
    PER_UNIT = "per_unit", _("按工作量单位(元/单位)")


class WorkTask(Located, BaseModel):
    """A department's work request 部门工作事项 and, once admitted, the task sent to communities.

    Located at its district (``district_id``), so the district office and leaders see it by place;
    a department sees its own (``scoping.DEPARTMENT_LOOKUP``); communities and grids see it only
    through their own ``Assignment`` (``selectors.task_queryset``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待区社区办审批")
        RETURNED = "returned", _("退回修改")
        REJECTED = "rejected", _("不予准入")
        DISPATCHED = "dispatched", _("已下派")
        REUSED = "reused", _("以数据复用办结")
        CLOSED = "closed", _("已办结")

    class Admission(models.TextChoices):
        LISTED = "listed", _("清单内直接准入")
        APPROVED = "approved", _("经审批准入")

    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="admission_tasks")
    title = models.CharField(_("事项名称"), max_length=150)
    description = models.TextField(_("工作内容"))
    duty_class = models.CharField(_("职责类别"), max_length=16, choices=DutyClass.choices)
    admission_list = models.ForeignKey(AdmissionList, verbose_name=_("适用清单版本"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    list_item = models.ForeignKey(AdmissionItem, verbose_name=_("对应清单事项"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="tasks")
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    purpose = models.TextField(_("目的"), blank=True)
    funding_mode = models.CharField(_("经费方式"), max_length=16, choices=FundingMode.choices, default=FundingMode.NONE)
    funding_amount = models.DecimalField(_("经费标准(元)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    funding_unit_label = models.CharField(_("工作量单位"), max_length=20, blank=True, help_text=_("如:户、人、份"))
    funding_units = models.PositiveIntegerField(_("工作量(单位数)"), null=True, blank=True)
    funding_source = models.CharField(_("经费来源"), max_length=200, blank=True)
    deadline = models.DateField(_("完成期限"))
    data_fields = models.JSONField(_("需要的数据项(平台目录)"), default=list, blank=True)
    other_data_fields = models.CharField(_("其他数据项"), max_length=500, blank=True, help_text=_("平台未掌握的数据项,逗号分隔"))
    collection_only = models.BooleanField(_("仅为数据采集"), default=False,
                                          help_text=_("事项只是入户统计上报数据;平台已有全部数据时以数据复用办结,不再下派"))
    ledgers_demanded = models.PositiveSmallIntegerField(_("要求建立台账(本)"), default=0)
    forms_demanded = models.PositiveSmallIntegerField(_("要求填报表格(份)"), default=0)
    communities = models.ManyToManyField(Node, verbose_name=_("下派社区"), related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    admission = models.CharField(_("准入方式"), max_length=16, choices=Admission.choices, blank=True)
    reuse_offered = models.BooleanField(_("可复用平台数据"), default=False)
    reuse_approved = models.BooleanField(_("已批准数据复用"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True,
                                     on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField(_("审批意见"), blank=True)
    dispatched_at = models.DateTimeField(_("下派时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("部门工作事项")
        verbose_name_plural = _("部门工作事项")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["district", "status"], name="admission_task_district_idx"),
                   models.Index(fields=["department", "status"], name="admission_task_dept_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(funding_amount__gte=0), name="admission_task_funding_positive")]

    def __str__(self) -> str:
        return self.title

    def funding_total(self, communities: int | None = None) -> Decimal:
        """The money that follows the task: amount × communities, or amount × units."""
        if self.funding_mode == FundingMode.PER_COMMUNITY:
            n = communities if communities is not None else self.communities.count()
            return self.funding_amount * n
        if self.funding_mode == FundingMode.PER_UNIT:
            return self.funding_amount * (self.funding_units or 0)
        return Decimal("0")

    def transition_to(self, status: str) -> str:
        if status not in TASK_TRANSITIONS.get(self.status, frozenset()):
            raise InvalidTransition(_("该事项当前状态不允许此操作"), code=AdmissionErrorCode.INVALID_TRANSITION,
                                    extra={"from": self.status, "to": str(status)})
        previous, self.status = self.status, status
        return previous


S = WorkTask.Status
#: The allowed moves of a work request, from -> to (services own every change).
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.DISPATCHED, S.REUSED, S.REJECTED, S.RETURNED}),
    S.RETURNED: frozenset({S.PENDING}),
    S.DISPATCHED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset(),
    S.REUSED: frozenset(),
    S.CLOSED: frozenset(),
}
del S


class Assignment(Located, BaseModel):
    """A task at one community (``node`` is the community) or, passed on, at one of its grids
    (``node`` is the grid, ``parent`` the community's row)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("待办理")
        FORWARDED = "forwarded", _("已转网格")
        COMPLETED = "completed", _("已完成")

    task = models.ForeignKey(WorkTask, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="assignments")
    node = models.ForeignKey(Node, verbose_name=_("承办社区/网格"), on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", verbose_name=_("上级承办"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    due_on = models.DateField(_("完成期限"), db_index=True)
    funding_share = models.DecimalField(_("随事经费(元)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    received_at = models.DateTimeField(_("收到时间"))
    forwarded_at = models.DateTimeField(_("转派时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("完成人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    result = models.TextField(_("完成情况"), blank=True)

    class Meta:
        verbose_name = _("事项承办")
        verbose_name_plural = _("事项承办")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "node"], name="admission_assignment_unique_node")]
        indexes = [models.Index(fields=["community", "status", "due_on"], name="admission_asg_community_idx")]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.node_id}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status != self.Status.COMPLETED and self.due_on < today


class ResultFile(BaseModel):
    """A file attached to a completion (the filled forms, photos, a PDF)."""

    assignment = models.ForeignKey(Assignment, verbose_name=_("承办"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to="admission/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("完成附件")
        verbose_name_plural = _("完成附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TaskEvent(models.Model):
    """One line of a task's timeline: submitted, approved, rejected, returned, dispatched,
    forwarded, completed, reuse export... (``assignment`` set for a community's or grid's step)."""

    task = models.ForeignKey(WorkTask, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="events")
    assignment = models.ForeignKey(Assignment, verbose_name=_("承办"), null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=32)
    note = models.TextField(_("说明"), blank=True)
    extra = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事项记录")
        verbose_name_plural = _("事项记录")
        ordering = ["task", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.verb}"


class AvoidedCollection(Located, BaseModel):
    """A community spared a door-to-door collection: the registry's data were exported instead."""

    task = models.ForeignKey(WorkTask, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="avoided")
    fields_count = models.PositiveSmallIntegerField(_("复用数据项数"))
    records = models.PositiveIntegerField(_("社区登记记录数"), default=0)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("免于入户采集")
        verbose_name_plural = _("免于入户采集")
        constraints = [models.UniqueConstraint(fields=["task", "community"], name="admission_avoided_unique")]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.community_id}"


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    CHAT = "chat", _("微信群/工作群")
    PAPER = "paper", _("纸质文件")
    MEETING = "meeting", _("会议布置")
    VISIT = "visit", _("上门布置")
    OTHER = "other", _("其他")


class UnadmittedReport(Located, BaseModel):
    """Work that reached a community without admission 未经准入事项, flagged by the community."""

    class Status(models.TextChoices):
        FLAGGED = "flagged", _("已登记")
        CONFIRMED = "confirmed", _("已核实")
        DISMISSED = "dismissed", _("不予认定")

    department = models.ForeignKey(Department, verbose_name=_("交办部门"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="unadmitted_reports")
    department_name = models.CharField(_("交办单位(非区直部门)"), max_length=100, blank=True)
    title = models.CharField(_("事项"), max_length=150)
    description = models.TextField(_("情况"), blank=True)
    received_on = models.DateField(_("收到日期"), db_index=True)
    channel = models.CharField(_("布置方式"), max_length=16, choices=Channel.choices, default=Channel.OTHER)
    ledgers_demanded = models.PositiveSmallIntegerField(_("要求建立台账(本)"), default=0)
    forms_demanded = models.PositiveSmallIntegerField(_("要求填报表格(份)"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.FLAGGED)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核实人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_reason = models.TextField(_("核实意见"), blank=True)

    class Meta:
        verbose_name = _("未准入事项")
        verbose_name_plural = _("未准入事项")
        ordering = ["-received_on", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(department__isnull=True, department_name=""),
                                              name="admission_unadmitted_has_sender")]

    def __str__(self) -> str:
        return self.title

    @property
    def sender(self) -> str:
        return self.department.name if self.department_id else self.department_name


class StampRecord(Located, BaseModel):
    """A seal use 用印 or a certificate 开具证明 asked of a community, checked against the lists."""

    class Kind(models.TextChoices):
        SEAL = "seal", _("用印")
        CERTIFICATE = "certificate", _("开具证明")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("清单内,已办理")
        WARNED = "warned", _("清单外,说明理由后办理")
        REFUSED = "refused", _("清单外,已拒绝")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    matter = models.CharField(_("事由"), max_length=200)
    requester = models.CharField(_("申请人/单位"), max_length=100, blank=True)
    department = models.ForeignKey(Department, verbose_name=_("要求的部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AdmissionItem, verbose_name=_("对应清单事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    reason = models.TextField(_("理由"), blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("用印与证明")
        verbose_name_plural = _("用印与证明")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.matter


class Plaque(Located, BaseModel):
    """A plaque 牌子 hanging at a community; allowed only when it matches the plaque list."""

    name = models.CharField(_("牌子名称"), max_length=100)
    department = models.ForeignKey(Department, verbose_name=_("要求悬挂的部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AdmissionItem, verbose_name=_("对应清单事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    allowed = models.BooleanField(_("清单允许"), default=False)
    put_up_on = models.DateField(_("悬挂日期"))
    removed_on = models.DateField(_("摘除日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("社区牌子")
        verbose_name_plural = _("社区牌子")
        ordering = ["community", "-allowed", "name"]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Weights:
    admitted: Decimal
    unadmitted: Decimal
    ledger: Decimal
    form: Decimal
    certificate: Decimal
    seal: Decimal
    plaque: Decimal
    heavy_index: Decimal
    unadmitted_alert: int
    overdue_alert: int


#: Defaults when the admin has no ``BurdenPolicy`` row (docs/admission.md explains them).
DEFAULT_WEIGHTS = Weights(admitted=Decimal("1"), unadmitted=Decimal("3"), ledger=Decimal("2"), form=Decimal("0.5"),
                          certificate=Decimal("0.1"), seal=Decimal("0.05"), plaque=Decimal("1"),
                          heavy_index=Decimal("120"), unadmitted_alert=3, overdue_alert=5)


class BurdenPolicy(BaseModel):
    """The burden index weights and the thresholds of the burden problems (admin-edited; one row)."""

    w_admitted = models.DecimalField(_("权重:准入事项"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.admitted)
    w_unadmitted = models.DecimalField(_("权重:未准入事项"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.unadmitted)
    w_ledger = models.DecimalField(_("权重:台账(本)"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.ledger)
    w_form = models.DecimalField(_("权重:表格(份)"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.form)
    w_certificate = models.DecimalField(_("权重:证明"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.certificate)
    w_seal = models.DecimalField(_("权重:用印"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.seal)
    w_plaque = models.DecimalField(_("权重:清单外牌子"), max_digits=6, decimal_places=2, default=DEFAULT_WEIGHTS.plaque)
    heavy_index = models.DecimalField(_("负担过重阈值(年负担指数)"), max_digits=8, decimal_places=2,
                                      default=DEFAULT_WEIGHTS.heavy_index)
    unadmitted_alert = models.PositiveIntegerField(_("未准入事项预警数"), default=DEFAULT_WEIGHTS.unadmitted_alert)
    overdue_alert = models.PositiveIntegerField(_("逾期事项预警数"), default=DEFAULT_WEIGHTS.overdue_alert)

    class Meta:
        verbose_name = _("负担指数设置")
        verbose_name_plural = _("负担指数设置")

    def __str__(self) -> str:
        return str(_("负担指数设置"))

    @classmethod
    def current(cls) -> Weights:
        row = cls.objects.order_by("id").first()
        if row is None:
            return DEFAULT_WEIGHTS
        return Weights(admitted=row.w_admitted, unadmitted=row.w_unadmitted, ledger=row.w_ledger, form=row.w_form,
                       certificate=row.w_certificate, seal=row.w_seal, plaque=row.w_plaque,
                       heavy_index=row.heavy_index, unadmitted_alert=row.unadmitted_alert,
                       overdue_alert=row.overdue_alert)
