"""Party building 党建: organizations, joint meetings, dual reporting, central households.

* ``PartyOrganization`` — a 党委 / 党总支 / 党支部 / 网格党支部 / 联合党支部 attached to a tree node
  (street, community, grid, building) and optionally to the actual units (``registry.Establishment``)
  it covers: one unit for a unit's own branch, several for a joint branch. Coverage of units and the
  "vacuum" (真空区: units no organization covers) are queries over this link, never stored flags.
* ``JointMeeting`` — a 党建联席会议 of a community with the units that attend, its topics and its
  resolutions; each ``Resolution`` has an owner and a due date and is followed up until done.
* ``DualRegistration`` — 双报到: an in-service party organization or a party member (a registry
  ``Resident``) registers with a community and logs ``ServiceRecord`` rows the community confirms.
  ``ExpectedRegistrant`` is the imported roster of who should register.
* ``CentralHousehold`` — a 党员中心户: a party member's household in a building and the households of
  that building it serves.

Personal data stays in the registry: people are ``Resident`` links, never copied ID numbers or phones.
Thresholds (meetings a year, coverage alert, months without service) are ``PartyPolicy`` rows.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located, Node

from .errors import PartyErrorCode

#: Actual-unit kinds that should have a party organization (新兴领域: property companies,
#: non-public enterprises, social organizations); coverage is counted over these.
COVERED_KINDS = ("property_company", "enterprise", "social_organization")

#: Defaults when no ``PartyPolicy`` row applies (docs/party.md explains the numbers).
DEFAULT_MIN_JOINT_MEETINGS = 4
DEFAULT_COVERAGE_ALERT = Decimal("80")
DEFAULT_IDLE_MONTHS = 6


class PartyPolicy(BaseModel):
    """Thresholds for a place (a district, street, ...; no place: everywhere). The most specific
    row above a community applies to it."""

    node = models.OneToOneField(Node, verbose_name=_("适用辖区"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("留空为全局默认"))
    min_joint_meetings = models.PositiveSmallIntegerField(_("每年联席会议最少次数"), default=DEFAULT_MIN_JOINT_MEETINGS)
    coverage_alert_below = models.DecimalField(_("组织覆盖率预警线(%)"), max_digits=5, decimal_places=1,
                                               default=DEFAULT_COVERAGE_ALERT)
    idle_months = models.PositiveSmallIntegerField(_("报到后未服务预警(月)"), default=DEFAULT_IDLE_MONTHS)

    class Meta:
        verbose_name = _("党建预警阈值")
        verbose_name_plural = _("党建预警阈值")
        constraints = [
            models.CheckConstraint(condition=models.Q(coverage_alert_below__gte=0, coverage_alert_below__lte=100),
                                   name="party_policy_coverage_percent"),
            models.CheckConstraint(condition=models.Q(idle_months__gte=1), name="party_policy_idle_months_positive"),
            models.UniqueConstraint(fields=["node"], condition=models.Q(node__isnull=True), name="party_policy_one_default"),
        ]

    def __str__(self) -> str:
        return str(self.node) if self.node_id else str(_("全局默认"))


class PartyOrganization(Located, BaseModel):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        GRID_BRANCH = "grid_branch", _("网格党支部")
        JOINT_BRANCH = "joint_branch", _("联合党支部")

    name = models.CharField(_("组织名称"), max_length=150)
    kind = models.CharField(_("组织类型"), max_length=20, choices=Kind.choices, db_index=True)
    node = models.ForeignKey(Node, verbose_name=_("所在辖区"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("街道、社区、网格或楼栋"))
    parent = models.ForeignKey("self", verbose_name=_("上级党组织"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    units = models.ManyToManyField("registry.Establishment", verbose_name=_("覆盖单位"), blank=True,
                                   related_name="party_organizations")
    secretary = models.ForeignKey("registry.Resident", verbose_name=_("书记"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    member_count = models.PositiveIntegerField(_("党员人数"), default=0)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["node__path", "name"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="party_org_unique_name_per_node")]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.dissolved_on is None


class JointMeeting(Located, BaseModel):
    """党建联席会议 of a community: the community's party organization with the units in its area."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已安排")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    community = models.ForeignKey(Node, verbose_name=_("社区/村"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("会议名称"), max_length=200)
    scheduled_on = models.DateField(_("计划日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    convener = models.ForeignKey(PartyOrganization, verbose_name=_("召集党组织"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="meetings")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    held_on = models.DateField(_("召开日期"), null=True, blank=True, db_index=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    attendees = models.ManyToManyField("registry.Establishment", verbose_name=_("参会单位"), through="MeetingAttendance",
                                       related_name="joint_meetings", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("党建联席会议")
        verbose_name_plural = _("党建联席会议")
        ordering = ["-scheduled_on", "-id"]
        indexes = [models.Index(fields=["community", "status", "held_on"], name="party_meeting_count_idx")]
        constraints = [models.CheckConstraint(
            condition=~models.Q(status="held") | models.Q(held_on__isnull=False), name="party_meeting_held_has_date")]

    def __str__(self) -> str:
        return self.title

    def transition_to(self, status: str) -> None:
        if self.status != self.Status.SCHEDULED or status not in (self.Status.HELD, self.Status.CANCELLED):
            raise InvalidTransition(_("会议当前状态不允许此操作"), code=PartyErrorCode.INVALID_TRANSITION,
                                    extra={"from": self.status, "to": str(status)})
        self.status = status


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(JointMeeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance")
    unit = models.ForeignKey("registry.Establishment", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    representative = models.CharField(_("参会代表"), max_length=50, blank=True)
    present = models.BooleanField(_("到会"), null=True, blank=True, help_text=_("会后登记;空为未登记"))

    class Meta:
        verbose_name = _("参会单位")
        verbose_name_plural = _("参会单位")
        ordering = ["meeting", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"], name="party_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.unit_id}"


class MeetingTopic(models.Model):
    meeting = models.ForeignKey(JointMeeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("议题"), max_length=200)
    raised_by = models.ForeignKey("registry.Establishment", verbose_name=_("提出单位"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.title


class Resolution(BaseModel):
    """A decision of a joint meeting (议定事项), followed up until done (no 议而不决、决而不行)."""

    class Status(models.TextChoices):
        OPEN = "open", _("未开始")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已办结")
        DROPPED = "dropped", _("已终止")

    meeting = models.ForeignKey(JointMeeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="resolutions")
    text = models.CharField(_("议定事项"), max_length=500)
    owner_unit = models.ForeignKey("registry.Establishment", verbose_name=_("牵头单位"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    owner_name = models.CharField(_("责任人/责任单位"), max_length=100)
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_on = models.DateField(_("办结日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def closed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.DROPPED)

    def is_overdue(self, today) -> bool:
        return not self.closed and self.due_on is not None and self.due_on < today


#: Allowed resolution status changes (a follow-up names the status after it).
RESOLUTION_TRANSITIONS = {
    Resolution.Status.OPEN: {Resolution.Status.OPEN, Resolution.Status.IN_PROGRESS, Resolution.Status.DONE,
                             Resolution.Status.DROPPED},
    Resolution.Status.IN_PROGRESS: {Resolution.Status.IN_PROGRESS, Resolution.Status.DONE, Resolution.Status.DROPPED},
    Resolution.Status.DONE: set(),
    Resolution.Status.DROPPED: set(),
}


class ResolutionFollowUp(models.Model):
    resolution = models.ForeignKey(Resolution, verbose_name=_("议定事项"), on_delete=models.CASCADE, related_name="followups")
    on = models.DateField(_("日期"))
    note = models.TextField(_("落实情况"))
    status_after = models.CharField(_("跟进后状态"), max_length=16, choices=Resolution.Status.choices)
    author_name = models.CharField(_("记录人"), max_length=150)

    class Meta:
        verbose_name = _("落实跟进")
        verbose_name_plural = _("落实跟进")
        ordering = ["resolution", "on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.note[:40]}"


class DualRegistration(Located, BaseModel):
    """双报到: an in-service party organization (with its unit) or a party member registers with a community."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("在职党组织")
        MEMBER = "member", _("在职党员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        WITHDRAWN = "withdrawn", _("已撤回")

    kind = models.CharField(_("报到类型"), max_length=16, choices=Kind.choices, db_index=True)
    community = models.ForeignKey(Node, verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+")
    organization_name = models.CharField(_("党组织名称"), max_length=150, blank=True)
    unit = models.ForeignKey("registry.Establishment", verbose_name=_("所在单位(实有单位)"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    resident = models.ForeignKey("registry.Resident", verbose_name=_("党员(居民)"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    workplace = models.CharField(_("工作单位"), max_length=150, blank=True)
    registered_on = models.DateField(_("报到日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("双报到登记")
        verbose_name_plural = _("双报到登记")
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=(models.Q(kind="member", resident__isnull=False)
                                              | models.Q(kind="organization", resident__isnull=True)),
                                   name="party_registration_member_has_resident"),
            models.UniqueConstraint(fields=["resident"], condition=models.Q(status="active", resident__isnull=False),
                                    name="party_registration_one_active_per_member"),
            models.UniqueConstraint(fields=["community", "organization_name"],
                                    condition=models.Q(status="active", kind="organization"),
                                    name="party_registration_one_active_per_org"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.organization_name if self.kind == self.Kind.ORGANIZATION else (
            self.resident.name if self.resident_id else "")


class ServiceRecord(BaseModel):
    """One service a registered organization or member gave; counts once the community confirms it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("不予确认")

    registration = models.ForeignKey(DualRegistration, verbose_name=_("报到登记"), on_delete=models.CASCADE,
                                     related_name="services")
    title = models.CharField(_("服务内容"), max_length=200)
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("服务时长(小时)"), max_digits=5, decimal_places=1)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("报到服务记录")
        verbose_name_plural = _("报到服务记录")
        ordering = ["-served_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0, hours__lte=24),
                                              name="party_service_hours_range")]

    def __str__(self) -> str:
        return f"{self.served_on} {self.title}"


class ExpectedRegistrant(Located, BaseModel):
    """A line of the expected roster (应报到名单, imported): who should register with which community."""

    kind = models.CharField(_("报到类型"), max_length=16, choices=DualRegistration.Kind.choices)
    community = models.ForeignKey(Node, verbose_name=_("应报到社区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("党组织/党员姓名"), max_length=150)
    resident = models.ForeignKey("registry.Resident", verbose_name=_("党员(居民)"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    workplace = models.CharField(_("工作单位"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=150, blank=True, help_text=_("导入文件名"))

    class Meta:
        verbose_name = _("应报到名单")
        verbose_name_plural = _("应报到名单")
        ordering = ["community", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind", "name", "resident"], name="party_expected_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CentralHousehold(Located, BaseModel):
    """党员中心户: a party member's household that serves the households around it in its building."""

    household = models.OneToOneField("registry.Household", verbose_name=_("中心户"), on_delete=models.CASCADE,
                                     related_name="party_center")
    member = models.ForeignKey("registry.Resident", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    served = models.ManyToManyField("registry.Household", verbose_name=_("联系服务户"), blank=True, related_name="party_centers")
    designated_on = models.DateField(_("设立日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党员中心户")
        verbose_name_plural = _("党员中心户")
        ordering = ["building", "id"]

    def __str__(self) -> str:
        return f"{self.member.name}户" if self.member_id else str(self.household_id)
