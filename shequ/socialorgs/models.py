"""Community social organizations 社区社会组织 and government-purchased service projects 政府购买服务.

``SocialOrganization`` is an organization of a community by type (生活服务类, 公益慈善类, 居民互助类,
for specific groups) with its filing status (登记 / 备案 / 未备案 / 已注销); it may name its actual unit
in the registry. "Per community" counts every organization that is not revoked. ``ServiceProject``
is a service the government buys from an organization for a community (or street), with budget,
period and results. Targets (10 per community, alert under 3) are ``SocialOrgPolicy`` rows.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located, Node

from .errors import SocialOrgErrorCode

DEFAULT_TARGET = 10
DEFAULT_ALERT_BELOW = 3


class SocialOrgPolicy(BaseModel):
    """Per-community target and alert line for a place (no place: everywhere); the most specific applies."""

    node = models.OneToOneField(Node, verbose_name=_("适用辖区"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("留空为全局默认"))
    target_per_community = models.PositiveSmallIntegerField(_("每社区目标数"), default=DEFAULT_TARGET)
    alert_below = models.PositiveSmallIntegerField(_("少于此数预警"), default=DEFAULT_ALERT_BELOW)

    class Meta:
        verbose_name = _("社会组织目标")
        verbose_name_plural = _("社会组织目标")
        constraints = [models.UniqueConstraint(fields=["node"], condition=models.Q(node__isnull=True),
                                               name="socialorgs_policy_one_default")]

    def __str__(self) -> str:
        return str(self.node) if self.node_id else str(_("全局默认"))


class SocialOrganization(Located, BaseModel):
    class Type(models.TextChoices):
        LIFE_SERVICE = "life_service", _("生活服务类")
        CHARITY = "charity", _("公益慈善类")
        MUTUAL_AID = "mutual_aid", _("居民互助类")
        SPECIFIC_GROUP = "specific_group", _("特定群体类")
        OTHER = "other", _("其他")

    class Group(models.TextChoices):
        NONE = "", _("—")
        ELDERLY = "elderly", _("老年人")
        CHILDREN = "children", _("儿童青少年")
        DISABLED = "disabled", _("残疾人")
        WOMEN = "women", _("妇女")
        VETERANS = "veterans", _("退役军人")
        FLOATING = "floating", _("流动人口")
        OTHER = "other", _("其他")

    class Filing(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        FILED = "filed", _("已备案")
        UNFILED = "unfiled", _("未备案")
        REVOKED = "revoked", _("已注销")

    name = models.CharField(_("组织名称"), max_length=150)
    type = models.CharField(_("类型"), max_length=20, choices=Type.choices, db_index=True)
    served_group = models.CharField(_("服务对象"), max_length=20, choices=Group.choices, blank=True)
    community = models.ForeignKey(Node, verbose_name=_("所在社区/村"), on_delete=models.PROTECT, related_name="+")
    filing = models.CharField(_("登记备案状态"), max_length=16, choices=Filing.choices, default=Filing.UNFILED,
                              db_index=True)
    filed_on = models.DateField(_("登记/备案日期"), null=True, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    revoked_on = models.DateField(_("注销日期"), null=True, blank=True)
    unit = models.OneToOneField("registry.Establishment", verbose_name=_("对应实有单位"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="social_organization")
    leader_name = models.CharField(_("负责人"), max_length=50, blank=True)
    member_count = models.PositiveIntegerField(_("成员数"), default=0)
    activities = models.TextField(_("主要活动"), blank=True)

    class Meta:
        verbose_name = _("社区社会组织")
        verbose_name_plural = _("社区社会组织")
        ordering = ["community__path", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="socialorgs_unique_name_per_community")]
        indexes = [models.Index(fields=["community", "filing"], name="socialorgs_count_idx")]

    def __str__(self) -> str:
        return self.name


class ServiceProject(Located, BaseModel):
    """政府购买服务: a service bought from a social organization for a community (or street)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("已立项")
        RUNNING = "running", _("实施中")
        FINISHED = "finished", _("已结项")

    title = models.CharField(_("项目名称"), max_length=200)
    organization = models.ForeignKey(SocialOrganization, verbose_name=_("承接组织"), on_delete=models.PROTECT,
                                     related_name="projects")
    place = models.ForeignKey(Node, verbose_name=_("服务地点"), on_delete=models.PROTECT, related_name="+")
    purchaser = models.CharField(_("购买方"), max_length=100, help_text=_("如:区民政局、某街道办事处"))
    budget = models.DecimalField(_("预算(元)"), max_digits=12, decimal_places=2)
    spent = models.DecimalField(_("实际支出(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True)
    beneficiaries = models.PositiveIntegerField(_("受益人次"), null=True, blank=True)
    results = models.TextField(_("项目成效"), blank=True)
    rating = models.CharField(_("评估等级"), max_length=16, blank=True, help_text=_("如:优秀、良好、合格、不合格"))

    class Meta:
        verbose_name = _("政府购买服务项目")
        verbose_name_plural = _("政府购买服务项目")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_on__gte=models.F("start_on")), name="socialorgs_project_dates"),
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="socialorgs_project_budget"),
        ]

    def __str__(self) -> str:
        return self.title

    def transition_to(self, status: str) -> None:
        allowed = {self.Status.PLANNED: self.Status.RUNNING, self.Status.RUNNING: self.Status.FINISHED}
        if allowed.get(self.status) != status:
            raise InvalidTransition(_("项目当前状态不允许此操作"), code=SocialOrgErrorCode.INVALID_TRANSITION,
                                    extra={"from": self.status, "to": str(status)})
        self.status = status
