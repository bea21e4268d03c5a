"""Whistle and report 街道吹哨、部门报到.

A street (or the district office for a street) whistles one or more district departments about
a problem beyond its powers (``Whistle``). Each whistled department gets one ``WhistleTarget``
that goes acknowledge 签收 → report on site 到场报到 → act 处置 → reply 回复; the street then
scores it 打分. Due times (report on site, reply) are computed once when the whistle is blown,
from the urgency's ``WhistleTimeLimit`` (admin-edited data), with the appeals calendar
(``shequ.appeals.deadlines``); "late" is a comparison, never a stored flag. Every change goes
through ``services.py`` and leaves a ``WhistleEvent``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Department, Located, Node

from .errors import WhistleErrorCode


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    IMPORTANT = "important", _("较急")
    NORMAL = "normal", _("一般")


class ReplyUnit(models.TextChoices):
    HOURS = "hours", _("小时(自然时)")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")


@dataclass(frozen=True)
class Limit:
    report_minutes: int
    reply_value: int
    reply_unit: str


#: Defaults when the admin has no row for an urgency (docs/whistle.md explains the numbers).
DEFAULT_LIMITS = {
    Urgency.URGENT: Limit(30, 24, ReplyUnit.HOURS),
    Urgency.IMPORTANT: Limit(120, 3, ReplyUnit.WORKING_DAYS),
    Urgency.NORMAL: Limit(24 * 60, 5, ReplyUnit.WORKING_DAYS),
}


class WhistleTimeLimit(BaseModel):
    """How soon a whistled department must be on site and reply, per urgency (admin-edited)."""

    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, unique=True)
    report_minutes = models.PositiveIntegerField(_("到场报到时限(分钟)"), help_text=_("自吹哨起,自然时间"))
    reply_value = models.PositiveIntegerField(_("回复时限"))
    reply_unit = models.CharField(_("回复时限单位"), max_length=16, choices=ReplyUnit.choices)

    class Meta:
        verbose_name = _("吹哨时限")
        verbose_name_plural = _("吹哨时限")
        ordering = ["urgency"]
        constraints = [models.CheckConstraint(condition=models.Q(report_minutes__gte=1), name="whistle_limit_report_positive")]

    def __str__(self) -> str:
        return str(self.get_urgency_display())

    @classmethod
    def for_urgency(cls, urgency: str) -> Limit:
        row = cls.objects.filter(urgency=urgency).first()
        if row is None:
            return DEFAULT_LIMITS[Urgency(urgency)]
        return Limit(row.report_minutes, row.reply_value, row.reply_unit)


class Whistle(Located, BaseModel):
    """One whistle 吹哨: a street calls departments to a problem. Located where the problem is
    (the place's ancestor columns), so streets, communities and the district see it by place."""

    class Status(models.TextChoices):
        OPEN = "open", _("待到场")
        ON_SITE = "on_site", _("已全部到场")
        REPLIED = "replied", _("已全部回复")
        SCORED = "scored", _("已全部评分")
        CLOSED = "closed", _("已办结")

    title = models.CharField(_("事项"), max_length=100)
    description = models.TextField(_("情况说明"))
    place = models.ForeignKey(Node, verbose_name=_("地点"), on_delete=models.PROTECT, related_name="+",
                              help_text=_("街道或其下的社区、网格、楼栋"))
    address_text = models.CharField(_("具体位置"), max_length=300, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              help_text=_("由各部门的进度得出"))
    whistled_at = models.DateTimeField(_("吹哨时间"), db_index=True)
    whistled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("吹哨人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    report_due_at = models.DateTimeField(_("到场报到时限"))
    reply_due_at = models.DateTimeField(_("回复时限"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    appeals = models.ManyToManyField("appeals.Appeal", verbose_name=_("关联诉求"), blank=True, related_name="whistles")

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")
        ordering = ["-whistled_at", "-id"]
        indexes = [models.Index(fields=["street", "status"], name="whistle_street_status_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(reply_due_at__gte=models.F("report_due_at")),
                                   name="whistle_reply_after_report"),
        ]

    def __str__(self) -> str:
        return self.title


class WhistleTarget(Located, BaseModel):
    """One whistled department's response. Carries the whistle's place columns, so the same
    scope rules apply; a department user sees only its own rows (``scoping.DEPARTMENT_LOOKUP``)."""

    class Status(models.TextChoices):
        WHISTLED = "whistled", _("待签收")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        ON_SITE = "on_site", _("已到场")
        ACTING = "acting", _("处置中")
        REPLIED = "replied", _("已回复")
        SCORED = "scored", _("已评分")

    #: Score dimensions (1–5 each); the total is their sum scaled to 0–100.
    SCORE_FIELDS = ("score_timeliness", "score_attitude", "score_result")
    SCORE_MAX = 5

    whistle = models.ForeignKey(Whistle, verbose_name=_("吹哨"), on_delete=models.CASCADE, related_name="targets")
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="whistle_targets")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.WHISTLED)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    on_site_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    on_site_people = models.CharField(_("到场人员"), max_length=200, blank=True)
    acted_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    action_notes = models.TextField(_("处置情况"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    reply = models.TextField(_("回复(办理结果)"), blank=True)
    score_timeliness = models.PositiveSmallIntegerField(_("响应时效"), null=True, blank=True)
    score_attitude = models.PositiveSmallIntegerField(_("工作态度"), null=True, blank=True)
    score_result = models.PositiveSmallIntegerField(_("处置效果"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True,
                                help_text=_("三项之和折算为百分制"))
    score_comment = models.TextField(_("评价意见"), blank=True)
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评分人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("被吹哨部门")
        verbose_name_plural = _("被吹哨部门")
        ordering = ["whistle", "id"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "department"], name="whistle_target_unique_department"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | (models.Q(score__gte=0) & models.Q(score__lte=100)),
                name="whistle_target_score_range",
            ),
        ]
        indexes = [models.Index(fields=["department", "status"], name="whistle_target_dept_status_idx")]

    def __str__(self) -> str:
        return f"{self.whistle_id}/{self.department_id}"

    def can_transition_to(self, status: str) -> bool:
        return status in TARGET_TRANSITIONS.get(self.status, frozenset())

    def transition_to(self, status: str) -> str:
        """Move to ``status`` if the table allows it; return the previous status, else raise InvalidTransition."""
        if not self.can_transition_to(status):
            raise InvalidTransition(_("该部门当前进度不允许此操作"), code=WhistleErrorCode.INVALID_TRANSITION,
                                    extra={"from": self.status, "to": str(status)})
        previous, self.status = self.status, status
        return previous

    @staticmethod
    def total(scores: dict[str, int]) -> Decimal:
        """The 0–100 score of three 1–5 marks: their sum ÷ 15 × 100, two decimals."""
        total = sum(scores[name] for name in WhistleTarget.SCORE_FIELDS)
        return (Decimal(total * 100) / Decimal(len(WhistleTarget.SCORE_FIELDS) * WhistleTarget.SCORE_MAX)).quantize(Decimal("0.01"))


T = WhistleTarget.Status
#: The allowed moves of a whistled department, from -> to. Acting may be recorded several times.
TARGET_TRANSITIONS: dict[str, frozenset[str]] = {
    T.WHISTLED: frozenset({T.ACKNOWLEDGED}),
    T.ACKNOWLEDGED: frozenset({T.ON_SITE}),
    T.ON_SITE: frozenset({T.ACTING}),
    T.ACTING: frozenset({T.ACTING, T.REPLIED}),
    T.REPLIED: frozenset({T.SCORED}),
    T.SCORED: frozenset({T.SCORED}),
}
del T


class WhistleEvent(models.Model):
    """One line of a whistle's timeline (a department's step when ``target`` is set)."""

    whistle = models.ForeignKey(Whistle, verbose_name=_("吹哨"), on_delete=models.CASCADE, related_name="events")
    target = models.ForeignKey(WhistleTarget, verbose_name=_("部门"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=32)
    note = models.TextField(_("说明"), blank=True)
    extra = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("吹哨记录")
        verbose_name_plural = _("吹哨记录")
        ordering = ["whistle", "at", "id"]

    def __str__(self) -> str:
        return f"{self.whistle_id} {self.verb} {self.at:%Y-%m-%d %H:%M}"
