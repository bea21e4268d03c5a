"""Proactive governance 主动治理 / 每月一题: a month's most frequent problem of a place (a community
or street × a service category) made into a topic with an owner, a plan with dated milestones,
progress notes and a result. Topics are located at their place (``Located``), so the usual
``scoping.scope_queryset`` decides who sees them.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Department, Located, Node


class Topic(Located, BaseModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("已立题")
        IN_PROGRESS = "in_progress", _("治理中")
        DONE = "done", _("已完成")

    title = models.CharField(_("题目"), max_length=200)
    month = models.DateField(_("所属月份"), help_text=_("该月第一天"))
    place = models.ForeignKey(Node, verbose_name=_("地点(社区或街道)"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("appeals.ServiceCategory", verbose_name=_("问题类别"), on_delete=models.PROTECT,
                                 related_name="+")
    appeals = models.ManyToManyField("appeals.Appeal", verbose_name=_("涉及诉求"), blank=True, related_name="topics")
    owner_node = models.ForeignKey(Node, verbose_name=_("责任单位(辖区)"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    owner_department = models.ForeignKey(Department, verbose_name=_("责任单位(部门)"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    owner_person = models.CharField(_("责任人"), max_length=50)
    plan = models.TextField(_("治理方案"), help_text=_("措施与安排"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    result = models.TextField(_("治理成效"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("立题人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_node__isnull=False) | models.Q(owner_department__isnull=False),
                name="topic_has_owner_unit"),
            models.UniqueConstraint(fields=["month", "place", "category"], name="topic_unique_month_place_category"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.title}"

    @property
    def owner_unit(self):
        return self.owner_department or self.owner_node

    def transition_to(self, status: str) -> str:
        allowed = {self.Status.PLANNED: self.Status.IN_PROGRESS, self.Status.IN_PROGRESS: self.Status.DONE}
        if allowed.get(self.status) != status:
            raise InvalidTransition(_("每月一题当前状态不允许此操作"), code="topic_invalid_transition",
                                    extra={"from": self.status, "to": str(status)})
        previous, self.status = self.status, status
        return previous


class TopicMilestone(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("每月一题"), on_delete=models.CASCADE, related_name="milestones")
    due_on = models.DateField(_("完成日期"))
    title = models.CharField(_("节点内容"), max_length=200)

    class Meta:
        verbose_name = _("时间节点")
        verbose_name_plural = _("时间节点")
        ordering = ["topic", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.due_on} {self.title}"


class TopicNote(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("每月一题"), on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField(_("时间"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("记录人账号"), max_length=150, blank=True)
    kind = models.CharField(_("类型"), max_length=16, default="note")  # note / started / done
    text = models.TextField(_("进展"))

    class Meta:
        verbose_name = _("进展记录")
        verbose_name_plural = _("进展记录")
        ordering = ["topic", "at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.at:%Y-%m-%d}"
