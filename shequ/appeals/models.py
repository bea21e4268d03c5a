"""Appeals 诉求 (接诉即办): the service catalog, time-limit classes, appeals and their timeline.

The catalog (``ServiceCategory``) and the time-limit classes (``TimeLimitClass``) are data,
edited in the admin. An ``Appeal`` is located (``Located``: the ancestor columns of where the
problem is) and handled by one unit: a tree node (grid, community, street, district) or a
district department. Deadlines are computed once, at intake (``deadlines.py``); "overdue" is
a query. Every change of state goes through ``services.py`` and leaves an ``AppealEvent``.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Department, Located, Node, ancestor_field

from .errors import AppealErrorCode


class UnitKind(models.TextChoices):
    """Which kind of unit handles a category's appeals."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区/村")
    STREET = "street", _("街道/乡镇")
    DEPARTMENT = "department", _("区直部门")
    DISTRICT = "district", _("区(兜底)")


class ContactKind(models.TextChoices):
    """Kinds of contact as Beijing's 2021 regulation defines them."""

    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class Channel(models.TextChoices):
    WINDOW = "window", _("一站式服务大厅")
    HOTLINE = "hotline", _("热线")
    WEB = "web", _("网页/手机")
    PATROL = "patrol", _("网格巡查")
    OPEN311 = "open311", _("Open311 接口")
    FEED_12345 = "feed12345", _("12345 工单导入")


class TimeLimitClass(BaseModel):
    """A time-limit class 时限类别: how fast appeals of a category are dispatched, answered and done."""

    class CompletionUnit(models.TextChoices):
        HOURS = "hours", _("小时(自然时)")
        CALENDAR_DAYS = "calendar_days", _("自然日")
        WORKING_DAYS = "working_days", _("工作日")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    dispatch_hours = models.PositiveIntegerField(_("派单时限(小时)"))
    response_hours = models.PositiveIntegerField(_("响应时限(小时)"), help_text=_("签收并联系诉求人的时限"))
    completion_value = models.PositiveIntegerField(_("办结时限"))
    completion_unit = models.CharField(_("办结时限单位"), max_length=16, choices=CompletionUnit.choices)
    warning_fraction = models.DecimalField(_("预警比例"), max_digits=3, decimal_places=2, default=0.8,
                                           help_text=_("时限用去该比例时预警,如 0.80"))
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("时限类别")
        verbose_name_plural = _("时限类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceCategory(BaseModel):
    """One entry of the service catalog 派单目录: category -> handling unit and time-limit class."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    group = models.CharField(_("大类"), max_length=40, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("上级类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    unit_kind = models.CharField(_("承办单位类型"), max_length=16, choices=UnitKind.choices)
    department_kind = models.CharField(_("承办部门类别"), max_length=32, choices=Department.Kind.choices, blank=True,
                                       help_text=_("承办单位类型为区直部门时必填"))
    time_limit = models.ForeignKey(TimeLimitClass, verbose_name=_("时限类别"), on_delete=models.PROTECT, related_name="categories")
    contact_kind = models.CharField(_("默认诉求类型"), max_length=16, choices=ContactKind.choices, default=ContactKind.HELP)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(unit_kind="department") | ~models.Q(department_kind=""),
                name="category_department_kind_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}/{self.name}" if self.group else self.name


class Holiday(BaseModel):
    """A day that breaks the Monday–Friday rule: a public holiday, or a weekend working day (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("调休上班"), default=False, help_text=_("勾选:该日虽为周末但上班;不勾选:该日放假"))
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class AppealCounter(models.Model):
    """The last number given out per day; incremented under a row lock (``services.next_number``)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求编号计数")
        verbose_name_plural = _("诉求编号计数")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


#: Language -> {status: its label in that language} (``Appeal.status_label``).
_STATUS_LABELS: dict[str | None, dict[str, str]] = {}


def _where_set(prefix: str, fields: tuple[str, ...]) -> list[models.Index]:
    """An index of each key ``fields`` holding only the rows where it is set: what a lookup by the
    key (and a delete of the row it points to) needs, without an entry for every row that leaves it
    empty."""
    return [models.Index(fields=[f], condition=models.Q(**{f"{f}__isnull": False}), name=f"{prefix}_{f}_set_idx")
            for f in fields]


#: What every appeal number starts with: SQ-20261126-000123 (taken by ``services.take_number``).
NUMBER_PREFIX = "SQ"


class Appeal(Located, BaseModel):
    #: How often a handling unit may return (退单) a misrouted appeal, and how often the
    #: requester may have it reopened, before staff above must decide.
    MAX_RETURNS = 2
    MAX_REOPENS = 2

    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理登记")
        ACCEPTED = "accepted", _("已签收")
        DISPATCHED = "dispatched", _("已派单")
        IN_PROGRESS = "in_progress", _("办理中")
        REPLIED = "replied", _("已答复")
        EVALUATED = "evaluated", _("已评价")
        CLOSED = "closed", _("已办结")
        REOPENED = "reopened", _("已重启")

    # The district, street, community and grid columns each lead a list index (Meta.indexes): no
    # index of their own besides, which every intake would have to update as well.
    district, street, community, grid = (ancestor_field(level, db_index=False)
                                         for level in ("district", "street", "community", "grid"))
    number = models.CharField(_("诉求编号"), max_length=32, unique=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    contact_kind = models.CharField(_("诉求类型"), max_length=16, choices=ContactKind.choices)
    category = models.ForeignKey(ServiceCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="appeals")
    description = models.TextField(_("诉求内容"))
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address_text = models.CharField(_("地址"), max_length=300, blank=True)
    # Keys most appeals leave empty are indexed only where set (Meta.indexes, ``_where_set``): an
    # intake that leaves them empty writes no index entry for them.
    address = models.ForeignKey("registry.Address", verbose_name=_("匹配标准地址"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="appeals", db_index=False)
    requester_name = EncryptedTextField(_("诉求人"), blank=True)
    requester_phone = EncryptedTextField(_("诉求人电话"), blank=True)
    # Looked up by equality only (a data subject's request): one plain index where set (Meta.indexes),
    # not the pattern-matching twin a text column's db_index adds.
    requester_phone_hash = models.CharField(_("电话索引"), max_length=32, blank=True, editable=False)
    requester_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("诉求人账号"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+", db_index=False,
                                       help_text=_("居民登录后自助提交时的本人账号(用于“我的诉求”)"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("受理时间"))
    first_receiver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("首问责任人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+", db_index=False,
                                       help_text=_("首问负责:无论如何转办,始终为该诉求的责任人"))
    handling_node = models.ForeignKey(Node, verbose_name=_("承办辖区单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handling_department = models.ForeignKey(Department, verbose_name=_("承办部门"), null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="appeals", db_index=False)  # leads two indexes below
    lead_node = models.ForeignKey(Node, verbose_name=_("主办辖区单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lead_department = models.ForeignKey(Department, verbose_name=_("主办部门"), null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", db_index=False)
    routing_reason = models.TextField(_("派单依据"), blank=True)
    accept_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    dispatch_due_at = models.DateTimeField(_("派单时限"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("响应时限"), null=True, blank=True)
    completion_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    completion_warn_at = models.DateTimeField(_("办结预警时间"), null=True, blank=True,
                                              help_text=_("时限用去类别预警比例之时"))
    warned_at = models.DateTimeField(_("已预警时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超时升级时间"), null=True, blank=True)
    # Not indexed: the sweep sets it on many rows at once, and without an index the change stays a
    # heap-only (HOT) update on PostgreSQL (see migration 0012).
    escalated_to = models.ForeignKey(Node, verbose_name=_("升级至"), null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    solved = models.BooleanField(_("是否解决"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重启次数"), default=0)
    paused_since = models.DateTimeField(_("挂起起始时间"), null=True, blank=True,
                                        help_text=_("经批准挂起期间不计时、不预警、不升级"))
    response_overdue_at = models.DateTimeField(_("响应超时记录时间"), null=True, blank=True)
    merged_into = models.ForeignKey("self", verbose_name=_("并入诉求"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_appeals", db_index=False,
                                    help_text=_("重复诉求并入的主诉求;并入后本诉求办结,不计入三率"))
    external_number = models.CharField(_("外部工单编号"), max_length=64, blank=True,
                                       help_text=_("来自外部系统(如 12345 热线)的工单编号,同一渠道内唯一"))

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="appeal_community_status_idx"),
            models.Index(fields=["handling_department", "status"], name="appeal_department_status_idx"),
            models.Index(fields=["status", "completion_due_at"], name="appeal_status_due_idx"),
            models.Index(fields=["status", "completion_warn_at"], name="appeal_status_warn_idx"),
            # Lists, newest first (received_at DESC, id DESC) within each scope: the whole table (admin),
            # a district (also Open311's window), a street, a community, a grid, a handling department.
            # Each lets PostgreSQL read one page in order and stop, instead of sorting the whole scope.
            models.Index(fields=["-received_at", "-id"], name="appeal_list_idx"),
            *(models.Index(fields=[column, "-received_at", "-id"], name=f"appeal_{short}_list_idx")
              for column, short in (("district", "district"), ("street", "street"), ("community", "community"),
                                    ("grid", "grid"), ("handling_department", "dept"))),
            models.Index(fields=["requester_phone_hash"], condition=~models.Q(requester_phone_hash=""),
                         name="appeal_phone_hash_idx"),
            *_where_set("appeal", ("address", "requester_user", "first_receiver", "lead_department", "merged_into")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(handling_node__isnull=False) | models.Q(handling_department__isnull=False),
                name="appeal_has_handling_unit",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_number"], condition=~models.Q(external_number=""),
                name="appeal_external_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def handling_unit(self):
        return self.handling_department or self.handling_node

    @classmethod
    def status_label(cls, status: str) -> str:
        """A status in words in the active language (the value itself if unknown); the same as
        ``get_status_display()`` without flattening the choices on every call, each language's
        words looked up once per process."""
        language = get_language()
        labels = _STATUS_LABELS.get(language)
        if labels is None:
            labels = _STATUS_LABELS[language] = {value: str(label) for value, label in cls.Status.choices}
        return labels.get(status, status)

    def can_transition_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    def transition_to(self, status: str) -> str:
        """Move to ``status`` if the table allows it; return the previous status, else raise InvalidTransition."""
        if not self.can_transition_to(status):
            raise InvalidTransition(
                _("诉求当前状态不允许此操作"), code=AppealErrorCode.INVALID_TRANSITION,
                extra={"from": self.status, "to": str(status)},
            )
        previous, self.status = self.status, status
        return previous


S = Appeal.Status
#: The allowed moves, from -> to. Everything else is refused (409).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.CLOSED}),
    S.ACCEPTED: frozenset({S.DISPATCHED, S.IN_PROGRESS, S.REPLIED}),
    S.DISPATCHED: frozenset({S.DISPATCHED, S.IN_PROGRESS, S.ACCEPTED}),
    S.IN_PROGRESS: frozenset({S.REPLIED, S.DISPATCHED}),
    S.REPLIED: frozenset({S.EVALUATED, S.CLOSED, S.REOPENED}),
    S.EVALUATED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}),
}
del S


class AppealEvent(models.Model):
    """One line of an appeal's timeline: who did what, from which status to which, and why."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)  # Meta.indexes
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)
    extra = models.JSONField(_("详情"), default=dict, blank=True)
    # The outbox of the requester's notifications (shequ.notify): set on a change they are to be
    # told about, in the same row as the change itself, and cleared once its messages are composed.
    notify_pending = models.BooleanField(_("待通知诉求人"), default=False, db_default=False, editable=False)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["appeal", "at", "id"]
        indexes = [
            # Only the lines still to be told: small, and found without reading the timeline.
            models.Index(fields=["id"], condition=models.Q(notify_pending=True), name="appeal_event_notify_idx"),
            *_where_set("appeal_event", ("actor",)),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.verb} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "AppealAttachment", filename: str) -> str:
    """Where an attachment is stored under MEDIA_ROOT: a random name that reveals neither the appeal
    nor the uploader's file name (kept in ``original_name``)."""
    import uuid

    from django.utils import timezone

    extension = ATTACHMENT_EXTENSIONS.get(instance.content_type, "bin")
    return f"appeal-files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


#: Content types an attachment may have (checked by content, see ``attachments.py``) -> stored extension.
ATTACHMENT_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic",
                         "application/pdf": "pdf"}


class AppealAttachment(models.Model):
    """A photo or document sent with an appeal. Served to staff only, through a scoped view."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40,
                                    choices=[(k, k) for k in ATTACHMENT_EXTENSIONS])
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")
        ordering = ["appeal", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/") and self.content_type != "image/heic"


class RateSettings(BaseModel):
    """The weights of the composite score and the minimum volume to be ranked (docs/metrics.md).

    One row, edited in the admin; without a row the defaults apply (30 / 35 / 35, 10).
    """

    weight_response = models.PositiveSmallIntegerField(_("响应率权重"), default=30)
    weight_resolution = models.PositiveSmallIntegerField(_("解决率权重"), default=35)
    weight_satisfaction = models.PositiveSmallIntegerField(_("满意率权重"), default=35)
    min_volume = models.PositiveIntegerField(_("参与排名最低件数"), default=10,
                                             help_text=_("响应与评价两个分母均不少于此数才参与排名"))

    class Meta:
        verbose_name = _("三率设置")
        verbose_name_plural = _("三率设置")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_response__gt=0) | models.Q(weight_resolution__gt=0)
                | models.Q(weight_satisfaction__gt=0),
                name="rate_settings_some_weight",
            ),
            models.CheckConstraint(condition=models.Q(min_volume__gte=1), name="rate_settings_min_volume_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.weight_response}/{self.weight_resolution}/{self.weight_satisfaction}, ≥{self.min_volume}"

    @classmethod
    def current(cls) -> "RateSettings":
        """The saved settings (the first row), or the defaults unsaved."""
        return cls.objects.order_by("pk").first() or cls()


class TimeRequest(BaseModel):
    """A request to pause the clock (挂起) or extend the completion deadline (延期) of an appeal.

    The handling unit asks, with a reason; staff of a level above the handling unit approve or
    reject it. Only an approved request changes the due times (see ``appeals.timing``).
    """

    class Kind(models.TextChoices):
        PAUSE = "pause", _("挂起(暂停计时)")
        EXTENSION = "extension", _("延期")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        ENDED = "ended", _("已恢复计时")

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="time_requests")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("理由"))
    extension_value = models.PositiveIntegerField(_("延期时长"), null=True, blank=True)
    extension_unit = models.CharField(_("延期单位"), max_length=16, choices=TimeLimitClass.CompletionUnit.choices, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    paused_from = models.DateTimeField(_("暂停起"), null=True, blank=True)
    paused_until = models.DateTimeField(_("暂停止"), null=True, blank=True)
    due_before = models.DateTimeField(_("调整前办结时限"), null=True, blank=True)
    due_after = models.DateTimeField(_("调整后办结时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("挂起/延期申请")
        verbose_name_plural = _("挂起/延期申请")
        ordering = ["appeal", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal"], condition=models.Q(status="pending"),
                                    name="time_request_one_pending"),
            models.UniqueConstraint(fields=["appeal"], condition=models.Q(kind="pause", status="approved"),
                                    name="time_request_one_running_pause"),
            models.CheckConstraint(
                condition=models.Q(kind="pause") | models.Q(extension_value__gt=0, extension_unit__gt=""),
                name="time_request_extension_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind} {self.status}"


class CoHandler(BaseModel):
    """A co-handling unit (协办单位) of a multi-unit appeal; the handling unit leads (主办)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="cohandlers")
    node = models.ForeignKey(Node, verbose_name=_("协办辖区单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("协办部门"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="cohandled_appeals")
    task = models.TextField(_("协办事项"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("添加人"), on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("添加时间"))
    reply = models.TextField(_("协办答复"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("协办单位")
        verbose_name_plural = _("协办单位")
        ordering = ["appeal", "added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(node__isnull=False, department__isnull=True)
                           | models.Q(node__isnull=True, department__isnull=False)),
                name="cohandler_node_xor_department",
            ),
            models.UniqueConstraint(fields=["appeal", "node"], name="cohandler_unique_node"),
            models.UniqueConstraint(fields=["appeal", "department"], name="cohandler_unique_department"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.unit}"

    @property
    def unit(self):
        return self.department or self.node
