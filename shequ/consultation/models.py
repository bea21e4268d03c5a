"""Community consultation 社区协商 and the covenant 居民公约/村规民约.

A ``Topic`` 协商议题 is raised by a resident, a unit or the committee, located in its community
(ancestor columns, so scope is one indexed filter). It moves through one status table
(``TRANSITIONS``): proposed 已提出 → accepted 已立项 (or rejected) → voting 表决中 → decided 已决定;
a covenant revision continues decided → filing 报备中 → filed 已备案 (by the township) → published
已公布, so its procedure (draft, consultation, vote, filing, publication) cannot be skipped.

* ``Meeting`` 协商会议 with its ``Participant`` rows, each of a kind (residents' representatives,
  两代表一委员, property company, owners' committee …). The topic names the kinds it requires;
  voting cannot open until held meetings covered them.
* ``Option`` 方案 and ``Vote`` 表决票: one ballot per eligible household or per person, as the topic
  says. ``Vote.ballot_key`` is ``h<household id>`` or ``p<resident id>`` and (topic, ballot_key) is a
  unique constraint, so a second ballot from the same household or person fails in the database
  even under concurrent requests.
* ``Action`` 落实事项: the decision's implementation, each with an owner and a deadline, done or
  not; late ones are the "决而不行" the report warns about (indicators.problems()).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located


class ParticipantKind(models.TextChoices):
    RESIDENT_REP = "resident_rep", _("居民代表")
    DEPUTY = "deputy", _("两代表一委员")
    PROPERTY = "property", _("物业服务企业")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    UNIT = "unit", _("驻区单位")
    COMMITTEE = "committee", _("社区(村)两委")
    RESIDENT = "resident", _("利益相关居民")
    OTHER = "other", _("其他")


class Topic(Located, BaseModel):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("协商议题")
        COVENANT = "covenant", _("居民公约/村规民约修订")

    class RaisedBy(models.TextChoices):
        RESIDENT = "resident", _("居民")
        UNIT = "unit", _("驻区单位")
        COMMITTEE = "committee", _("社区(村)两委")

    class VoteBasis(models.TextChoices):
        HOUSEHOLD = "household", _("每户一票")
        PERSON = "person", _("每人一票")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("已提出")
        ACCEPTED = "accepted", _("已立项")
        REJECTED = "rejected", _("不予立项")
        VOTING = "voting", _("表决中")
        DECIDED = "decided", _("已决定")
        FILING = "filing", _("报乡镇(街道)备案中")
        FILED = "filed", _("已备案")
        PUBLISHED = "published", _("已公布")

    number = models.CharField(_("议题编号"), max_length=32, unique=True, null=True, blank=True, editable=False)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.ORDINARY)
    title = models.CharField(_("议题"), max_length=120)
    description = models.TextField(_("议题说明"))
    covenant_text = models.TextField(_("公约草案"), blank=True)
    raised_by = models.CharField(_("提出方"), max_length=16, choices=RaisedBy.choices)
    raised_by_resident = models.ForeignKey("registry.Resident", verbose_name=_("提出居民"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    raised_by_unit = models.ForeignKey("registry.Establishment", verbose_name=_("提出单位"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"))
    vote_basis = models.CharField(_("表决方式"), max_length=16, choices=VoteBasis.choices, default=VoteBasis.HOUSEHOLD)
    required_kinds = models.JSONField(_("须参加协商的主体"), default=list, blank=True)
    quorum_percent = models.PositiveSmallIntegerField(_("有效表决比例(%)"), default=0,
                                                      help_text=_("投票数占有表决权户(人)数的最低比例;0为不设"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    status_note = models.TextField(_("状态说明"), blank=True)
    vote_opens_at = models.DateTimeField(_("表决开始"), null=True, blank=True)
    vote_closes_at = models.DateTimeField(_("表决截止"), null=True, blank=True)
    eligible_count = models.PositiveIntegerField(_("有表决权户(人)数"), null=True, blank=True)
    decision = models.TextField(_("协商结果"), blank=True)
    chosen_option = models.ForeignKey("Option", verbose_name=_("通过方案"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    filing_number = models.CharField(_("备案文号"), max_length=60, blank=True)
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("备案人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("协商议题")
        verbose_name_plural = _("协商议题")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="topic_community_idx"),
                   models.Index(fields=["published_at"], name="topic_published_idx")]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.title}"


class Meeting(BaseModel):
    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=150, blank=True)
    minutes = models.TextField(_("会议纪要"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("协商会议")
        verbose_name_plural = _("协商会议")
        ordering = ["topic", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.held_at:%Y-%m-%d}"


class Participant(models.Model):
    """One participant of a meeting. A resident participant links to the registry; others carry the
    name and organization they represent (deputies, property company, owners' committee)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("参加主体"), max_length=20, choices=ParticipantKind.choices)
    resident = models.ForeignKey("registry.Resident", verbose_name=_("居民"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("registry.Establishment", verbose_name=_("单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    organization = models.CharField(_("所在单位/身份"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("参会人")
        verbose_name_plural = _("参会人")
        ordering = ["meeting", "kind", "id"]
        constraints = [models.CheckConstraint(condition=Q(resident__isnull=False) | ~Q(name=""), name="participant_named")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.resident.name if self.resident_id else self.name


class Option(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("方案"), max_length=300)

    class Meta:
        verbose_name = _("方案")
        verbose_name_plural = _("方案")
        ordering = ["topic", "order"]
        constraints = [models.UniqueConstraint(fields=["topic", "order"], name="option_unique_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class Vote(BaseModel):
    class Channel(models.TextChoices):
        ONLINE = "online", _("线上")
        PAPER = "paper", _("纸质票(工作人员录入)")

    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(Option, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="votes")
    resident = models.ForeignKey("registry.Resident", verbose_name=_("投票居民"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("户"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # "h<household id>" for a per-household topic, "p<resident id>" for a per-person one.
    ballot_key = models.CharField(_("表决权"), max_length=32, editable=False)
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    cast_at = models.DateTimeField(_("投票时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        ordering = ["topic", "cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "ballot_key"], name="vote_one_ballot"),
            models.UniqueConstraint(fields=["topic", "resident"], name="vote_one_per_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.ballot_key}"


class Action(BaseModel):
    """One implementation item of a decision 落实事项, with who owns it and by when."""

    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("落实事项"), max_length=300)
    owner = models.CharField(_("责任单位/人"), max_length=100)
    deadline = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.TextField(_("落实情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("落实事项")
        verbose_name_plural = _("落实事项")
        ordering = ["topic", "deadline", "id"]
        indexes = [models.Index(fields=["deadline", "done_at"], name="action_deadline_idx")]

    def __str__(self) -> str:
        return self.text

    def on_time(self) -> bool | None:
        """Done by the deadline (True), done late (False), not done yet (None)."""
        if self.done_at is None:
            return None
        from shequ.consultation.services import local_date

        return local_date(self.done_at) <= self.deadline
