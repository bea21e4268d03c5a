"""Surveys 云调研 (SPEC M7): questionnaires at three levels — street, community, resident — sent
to a scope (a tree node), answered online (residents on their phone, staff on their pages) or
through a phone interview entered by a staff member.

* ``Survey`` — located at its scope node (``scope``): whoever's area holds the scope sees it and
  its results. ``level`` says who answers: street staff, community workers or residents under it.
* ``Question`` (single / multiple choice, scale, free text) with ``Option`` rows for choices.
* ``Response`` — one filled-in questionnaire, located where its respondent is (their street,
  community, or household); a signed-in respondent answers a survey once (unique constraint).
  A phone interview keeps the interviewee's name and phone (encrypted, keyed hash, masked).
* ``Answer`` — one row per question answered, one per option chosen for a multiple choice.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located, Node


class SurveyLevel(models.TextChoices):
    STREET = "street", _("街道层面")
    COMMUNITY = "community", _("社区层面")
    RESIDENT = "resident", _("居民层面")


class Survey(Located, BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("调研中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    level = models.CharField(_("调研层面"), max_length=16, choices=SurveyLevel.choices)
    scope = models.ForeignKey(Node, verbose_name=_("发放范围"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True)
    opened_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closes_on = models.DateField(_("截止日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("调研问卷")
        verbose_name_plural = _("调研问卷")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["level", "status", "scope"], name="survey_open_idx")]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today) -> bool:
        """Open for answers on ``today``: published, not closed, not past its closing date."""
        return self.status == self.Status.OPEN and (self.closes_on is None or today <= self.closes_on)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SCALE = "scale", _("量表")
    TEXT = "text", _("填空")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Question(BaseModel):
    survey = models.ForeignKey(Survey, verbose_name=_("问卷"), on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    required = models.BooleanField(_("必答"), default=True)
    scale_min = models.SmallIntegerField(_("量表最小值"), default=1)
    scale_max = models.SmallIntegerField(_("量表最大值"), default=5)
    scale_min_label = models.CharField(_("最小值含义"), max_length=20, blank=True, default="很不满意")
    scale_max_label = models.CharField(_("最大值含义"), max_length=20, blank=True, default="很满意")

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["survey_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique"),
            models.CheckConstraint(condition=models.Q(scale_max__gt=models.F("scale_min")), name="question_scale_range"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def audit_node_id(self) -> int | None:
        return self.survey.audit_node_id

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))


class Option(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("序号"))
    label = models.CharField(_("选项"), max_length=200)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question_id", "position", "id"]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    ONLINE = "online", _("在线填写")
    PHONE = "phone", _("电话访谈")


class Response(Located, BaseModel):
    survey = models.ForeignKey(Survey, verbose_name=_("问卷"), on_delete=models.CASCADE, related_name="responses")
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填写人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    interviewee_name = models.CharField(_("受访人"), max_length=50, blank=True)
    interviewee_phone = EncryptedTextField(_("受访人电话"), blank=True)
    interviewee_phone_hash = models.CharField(_("电话索引"), max_length=32, blank=True, editable=False)
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("访谈人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    interview_minutes = models.PositiveSmallIntegerField(_("通话时长(分钟)"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["survey", "respondent"], condition=models.Q(respondent__isnull=False),
                                               name="response_once_per_respondent")]
        indexes = [models.Index(fields=["survey", "submitted_at"], name="response_survey_idx")]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, verbose_name=_("选项"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="answers")
    value = models.SmallIntegerField(_("量表值"), null=True, blank=True)
    text = models.TextField(_("填写内容"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        ordering = ["response_id", "question_id", "id"]
        indexes = [models.Index(fields=["question", "option"], name="answer_question_idx")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.option_id or self.value or self.text[:20]}"
