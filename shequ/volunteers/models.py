"""Volunteers 志愿者 and volunteer service 志愿服务.

* ``Skill`` 技能: a catalog (data, edited in the admin).
* ``Volunteer`` 志愿者: registered once. A resident volunteer points at the registry's
  ``Resident`` (name, ID number and phone stay there); a non-resident volunteer keeps a name and a
  phone encrypted the way the registry encrypts phones (``EncryptedTextField`` + keyed hash).
  Located (ancestor columns) where the resident lives, or at the grid/community chosen for a
  non-resident, so scope is one indexed filter and call-outs find "the volunteers of a grid".
* ``Activity`` 志愿活动: organized by a community or grid, with a sign-up limit and the hours it
  is worth. ``SignUp`` 报名: one per volunteer and activity; check-in 签到, then the organizer
  confirms the service hours 确认服务时长 (only confirmed hours count).
* ``CallOut`` 召集: a call to the volunteers of one grid for door-to-door tasks 入户 or an
  emergency 应急; one ``CallOutReply`` per volunteer called, recording who answered and how.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located, Node


class Skill(BaseModel):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("志愿服务技能")
        verbose_name_plural = _("志愿服务技能")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Volunteer(Located, BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        SUSPENDED = "suspended", _("暂停")
        LEFT = "left", _("已退出")

    resident = models.ForeignKey("registry.Resident", verbose_name=_("居民"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="volunteer_records")
    # Only for a volunteer who is not a registered resident; a resident's name and phone stay in the registry.
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(_("电话索引"), max_length=32, blank=True, editable=False, db_index=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("技能"), blank=True, related_name="volunteers")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    registered_at = models.DateTimeField(_("注册时间"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    emergency_ready = models.BooleanField(_("愿意参加应急召集"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=Q(resident__isnull=False), name="volunteer_unique_resident"),
            models.UniqueConstraint(fields=["phone_hash"], condition=Q(resident__isnull=True) & ~Q(phone_hash=""),
                                    name="volunteer_unique_outside_phone"),
            models.CheckConstraint(condition=Q(resident__isnull=False) | ~Q(name=""), name="volunteer_has_name"),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="volunteer_community_idx"),
            models.Index(fields=["grid", "status"], name="volunteer_grid_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.resident.name if self.resident_id else self.name

    @property
    def contact_phone(self) -> str:
        """The phone: the registry's for a resident, the encrypted own field otherwise."""
        return self.resident.phone if self.resident_id else self.phone


class Activity(Located, BaseModel):
    class Kind(models.TextChoices):
        SERVICE = "service", _("志愿服务")
        DOOR_TO_DOOR = "door_to_door", _("入户走访")
        EMERGENCY = "emergency", _("应急")

    class Status(models.TextChoices):
        OPEN = "open", _("报名中")
        CLOSED = "closed", _("已截止报名")
        FINISHED = "finished", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    title = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.SERVICE)
    description = models.TextField(_("内容"), blank=True)
    node = models.ForeignKey(Node, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("地点"), max_length=150, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("人数上限"), validators=[MinValueValidator(1)])
    hours = models.DecimalField(_("服务时长(小时)"), max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5"))])
    skills = models.ManyToManyField(Skill, verbose_name=_("所需技能"), blank=True, related_name="activities")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
        ]
        indexes = [models.Index(fields=["community", "status", "starts_at"], name="activity_community_idx")]

    def __str__(self) -> str:
        return self.title


class SignUp(BaseModel):
    class Status(models.TextChoices):
        SIGNED = "signed", _("已报名")
        CHECKED_IN = "checked_in", _("已签到")
        CONFIRMED = "confirmed", _("时长已确认")
        CANCELLED = "cancelled", _("已取消")
        ABSENT = "absent", _("未到")

    # Sign-ups that hold a place within the activity's limit.
    HOLDING = (Status.SIGNED, Status.CHECKED_IN, Status.CONFIRMED)

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SIGNED)
    signed_at = models.DateTimeField(_("报名时间"))
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    hours = models.DecimalField(_("确认时长(小时)"), max_digits=5, decimal_places=1, null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_unique_volunteer"),
            models.CheckConstraint(condition=Q(status="confirmed", hours__isnull=False) | ~Q(status="confirmed"),
                                   name="signup_confirmed_has_hours"),
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="signup_volunteer_idx"),
                   models.Index(fields=["status", "confirmed_at"], name="signup_confirmed_idx")]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.volunteer_id}"


class CallOut(Located, BaseModel):
    """A call to the volunteers of a grid 按网格召集志愿者 (located at the grid)."""

    class Kind(models.TextChoices):
        DOOR_TO_DOOR = "door_to_door", _("入户任务")
        EMERGENCY = "emergency", _("应急")

    class Status(models.TextChoices):
        OPEN = "open", _("召集中")
        CLOSED = "closed", _("已结束")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    message = models.TextField(_("召集内容"))
    node = models.ForeignKey(Node, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    needed = models.PositiveIntegerField(_("需要人数"), default=1, validators=[MinValueValidator(1)])
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    called_at = models.DateTimeField(_("召集时间"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("召集人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, verbose_name=_("对应活动"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="callouts")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿者召集")
        verbose_name_plural = _("志愿者召集")
        ordering = ["-called_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class CallOutReply(BaseModel):
    class Answer(models.TextChoices):
        PENDING = "pending", _("未回复")
        YES = "yes", _("响应")
        NO = "no", _("无法参加")

    callout = models.ForeignKey(CallOut, verbose_name=_("召集"), on_delete=models.CASCADE, related_name="replies")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="callout_replies")
    answer = models.CharField(_("回复"), max_length=8, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("召集回复")
        verbose_name_plural = _("召集回复")
        ordering = ["callout", "id"]
        constraints = [models.UniqueConstraint(fields=["callout", "volunteer"], name="callout_reply_unique")]

    def __str__(self) -> str:
        return f"{self.callout_id}/{self.volunteer_id}: {self.answer}"
