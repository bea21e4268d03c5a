"""Star rating 星级化考评 of community and village party organizations (SPEC M3).

The rated unit is the party organization of a community or village. This module does not depend
on a party-organization model: it rates the community/village node (``jurisdiction.Node`` at
level ``community``) and labels it as that node's party organization (docs/stars.md).

* ``StarCycle`` — a year, with its thresholds (grade bands, recommendation minimums, the mass
  assessment's pass rate, the performance-pay coefficient per grade) and its ``Star`` set (ten
  by default), each star with criteria and score items (``StarItem``). All admin-edited data.
* ``Rating`` — one organization in one cycle, through the five steps: mass assessment 群众测评 →
  township assessment 乡镇考评 → review by city departments 市属部门复核验收 → approval by the
  city committee 市委审定授星 → public display 公示亮星 (publicity period with objections).
  ``RatingStar`` holds each star's township score, mass result and the decisions.
* ``StarChange`` — the history of stars: the award at approval, then the township's quarterly
  removals 减星 (effective at once) and additions 增星 (effective when the city committee agrees).
  The stars held on any date are computed from it (``rules.held_on``).
* ``MassVote`` (one per resident per cycle), ``Objection`` (filed during publicity, answered),
  ``RatingEvent`` (the timeline).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import InvalidTransition
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located, Node

from . import rules
from .errors import StarsErrorCode


def _coefficient(default: str, label):
    return models.DecimalField(label, max_digits=4, decimal_places=2, default=Decimal(default),
                               validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))])


class StarCycle(BaseModel):
    """One year of star rating, with its thresholds (defaults: SPEC M3 and the Shawan report)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("名称"), max_length=100, blank=True)
    mass_start = models.DateField(_("群众测评开始"))
    mass_end = models.DateField(_("群众测评结束"))
    publicity_days = models.PositiveSmallIntegerField(_("公示期(天)"), default=7, validators=[MinValueValidator(1)])
    good_min = models.PositiveSmallIntegerField(_("“好”最少星数"), default=8)
    fair_min = models.PositiveSmallIntegerField(_("“较好”最少星数"), default=7)
    average_min = models.PositiveSmallIntegerField(_("“一般”最少星数"), default=5, help_text=_("少于此数为“差”"))
    wuhao_min = models.PositiveSmallIntegerField(_("推荐“五好党支部”最少星数"), default=7)
    city_min = models.PositiveSmallIntegerField(_("推荐市级先进基层党组织最少星数"), default=8)
    region_min = models.PositiveSmallIntegerField(_("推荐自治区级先进基层党组织最少星数"), default=10)
    mass_pass_rate = models.DecimalField(_("群众测评达标满意率"), max_digits=5, decimal_places=4, default=Decimal("0.6000"),
                                         validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
                                         help_text=_("某星(满意+基本满意)÷参评人数低于此值,该星不得申报"))
    mass_min_votes = models.PositiveIntegerField(_("群众测评有效最少人数"), default=10,
                                                 help_text=_("参评人数少于此数时不以满意率否决申报"))
    coef_good = _coefficient("1.20", _("“好”绩效系数"))
    coef_fair = _coefficient("1.10", _("“较好”绩效系数"))
    coef_average = _coefficient("1.00", _("“一般”绩效系数"))
    coef_poor = _coefficient("0.80", _("“差”绩效系数"))

    class Meta:
        verbose_name = _("考评年度")
        verbose_name_plural = _("考评年度")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(mass_end__gte=models.F("mass_start")), name="stars_cycle_mass_dates"),
            models.CheckConstraint(condition=models.Q(good_min__gt=models.F("fair_min"), fair_min__gt=models.F("average_min"),
                                                      average_min__gte=1), name="stars_cycle_grade_bands"),
        ]

    def __str__(self) -> str:
        return self.name or str(_("%(year)s 年度星级化考评") % {"year": self.year})

    def clean(self) -> None:
        if self.mass_start and self.mass_end and self.mass_end < self.mass_start:
            raise ValidationError({"mass_end": _("群众测评结束日期不能早于开始日期")})
        if not (self.good_min > self.fair_min > self.average_min >= 1):
            raise ValidationError({"good_min": _("须满足:“好” > “较好” > “一般” ≥ 1")})
        if not (1 <= self.wuhao_min <= self.city_min <= self.region_min):
            raise ValidationError({"wuhao_min": _("须满足:五好党支部 ≤ 市级 ≤ 自治区级")})

    @property
    def thresholds(self) -> rules.Thresholds:
        return rules.Thresholds(
            good_min=self.good_min, fair_min=self.fair_min, average_min=self.average_min, wuhao_min=self.wuhao_min,
            city_min=self.city_min, region_min=self.region_min,
            coefficients=((rules.Grade.GOOD, self.coef_good), (rules.Grade.FAIR, self.coef_fair),
                          (rules.Grade.AVERAGE, self.coef_average), (rules.Grade.POOR, self.coef_poor)))


class Star(BaseModel):
    """One star of a cycle: criteria, score items, the township score needed, what it gates."""

    cycle = models.ForeignKey(StarCycle, verbose_name=_("考评年度"), on_delete=models.CASCADE, related_name="stars")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=30)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    criteria = models.TextField(_("评星标准"), blank=True)
    pass_score = models.PositiveSmallIntegerField(_("达标分"), default=80, validators=[MaxValueValidator(100)],
                                                  help_text=_("乡镇考评得分(百分制)不低于此分方可申报"))
    gate = models.CharField(_("参评资格"), max_length=16, choices=rules.Gate.CHOICES, blank=True, default="",
                            help_text=_("未获此星不得参加的评选"))

    class Meta:
        verbose_name = _("星")
        verbose_name_plural = _("星")
        ordering = ["cycle", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="stars_star_unique_code"),
            models.UniqueConstraint(fields=["cycle", "name"], name="stars_star_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StarItem(BaseModel):
    """A score item of a star (评分细则): what is checked and how many points it is worth."""

    star = models.ForeignKey(Star, verbose_name=_("星"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    text = models.CharField(_("考评内容"), max_length=300)
    points = models.PositiveSmallIntegerField(_("分值"), validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        verbose_name = _("评分细则")
        verbose_name_plural = _("评分细则")
        ordering = ["star", "order", "id"]

    def __str__(self) -> str:
        return f"{self.text} ({self.points})"


class Rating(Located, BaseModel):
    """One community/village party organization in one cycle. Carries the community's ancestor
    columns, so scope is one indexed filter (``scoping.scope_queryset``)."""

    class Status(models.TextChoices):
        MASS = "mass", _("群众测评")
        RETURNED = "returned", _("退回乡镇重新考评")
        ASSESSED = "assessed", _("乡镇已考评")
        REVIEWED = "reviewed", _("已复核验收")
        PUBLICITY = "publicity", _("已授星·公示中")
        PUBLISHED = "published", _("已亮星")

    cycle = models.ForeignKey(StarCycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="ratings")
    organization = models.ForeignKey(Node, verbose_name=_("社区/村党组织"), on_delete=models.PROTECT, related_name="+",
                                     help_text=_("以社区/村节点代表其党组织"))
    status = models.CharField(_("环节"), max_length=16, choices=Status.choices, default=Status.MASS)
    mass_closed_at = models.DateTimeField(_("群众测评截止"), null=True, blank=True)
    mass_votes = models.PositiveIntegerField(_("参评人数"), default=0)
    mass_households = models.PositiveIntegerField(_("辖区户数"), default=0, help_text=_("群众测评截止时的登记户数"))
    assessed_at = models.DateTimeField(_("乡镇考评时间"), null=True, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("乡镇考评人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assessment_note = models.TextField(_("乡镇考评意见"), blank=True)
    reviewed_at = models.DateTimeField(_("复核验收时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_note = models.TextField(_("复核意见"), blank=True)
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审定人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approval_note = models.TextField(_("审定意见"), blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止"), null=True, blank=True)
    published_at = models.DateTimeField(_("亮星时间"), null=True, blank=True)
    stars_held = models.PositiveSmallIntegerField(_("现有星数"), default=0, help_text=_("随授星、减星、增星更新"))

    class Meta:
        verbose_name = _("星级评定")
        verbose_name_plural = _("星级评定")
        ordering = ["-cycle", "organization"]
        constraints = [models.UniqueConstraint(fields=["cycle", "organization"], name="stars_rating_unique")]
        indexes = [models.Index(fields=["cycle", "street", "status"], name="stars_rating_street_idx"),
                   models.Index(fields=["cycle", "district"], name="stars_rating_district_idx")]
        permissions = [("review_rating", _("可复核验收星级(市属部门)")), ("approve_rating", _("可审定授星(市委)"))]

    def __str__(self) -> str:
        return f"{self.cycle.year} {self.organization.name}"

    def can_transition_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    def transition_to(self, status: str) -> str:
        if not self.can_transition_to(status):
            raise InvalidTransition(_("当前环节不允许此操作"), code=StarsErrorCode.INVALID_TRANSITION,
                                    extra={"from": self.status, "to": str(status)})
        previous, self.status = self.status, status
        return previous

    @property
    def organization_label(self) -> str:
        return str(_("%(name)s党组织") % {"name": self.organization.name})

    @property
    def awarded(self) -> bool:
        return self.status in (Rating.Status.PUBLICITY, Rating.Status.PUBLISHED)


S = Rating.Status
#: The five steps, from -> to. The township may redo its assessment until it is reviewed; a reviewer
#: may send it back to the township (RETURNED), the committee back to the reviewers (ASSESSED).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.MASS: frozenset({S.ASSESSED}),
    S.RETURNED: frozenset({S.ASSESSED}),
    S.ASSESSED: frozenset({S.ASSESSED, S.REVIEWED, S.RETURNED}),
    S.REVIEWED: frozenset({S.PUBLICITY, S.ASSESSED}),
    S.PUBLICITY: frozenset({S.PUBLISHED}),
    S.PUBLISHED: frozenset(),
}
del S


class RatingStar(BaseModel):
    """One star of one rating: the mass result, the township score, the decisions."""

    rating = models.ForeignKey(Rating, verbose_name=_("星级评定"), on_delete=models.CASCADE, related_name="rows")
    star = models.ForeignKey(Star, verbose_name=_("星"), on_delete=models.PROTECT, related_name="+")
    mass_satisfied = models.PositiveIntegerField(_("满意"), default=0)
    mass_basic = models.PositiveIntegerField(_("基本满意"), default=0)
    mass_unsatisfied = models.PositiveIntegerField(_("不满意"), default=0)
    mass_rate = models.DecimalField(_("群众满意率"), max_digits=5, decimal_places=4, null=True, blank=True)
    item_scores = models.JSONField(_("细则得分"), default=dict, blank=True)
    score = models.DecimalField(_("乡镇考评得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    proposed = models.BooleanField(_("乡镇申报"), default=False)
    review_passed = models.BooleanField(_("复核通过"), null=True, blank=True)
    review_note = models.CharField(_("复核说明"), max_length=300, blank=True)
    approved = models.BooleanField(_("审定授星"), null=True, blank=True)

    class Meta:
        verbose_name = _("评定星项")
        verbose_name_plural = _("评定星项")
        ordering = ["rating", "star__order", "star_id"]
        constraints = [models.UniqueConstraint(fields=["rating", "star"], name="stars_ratingstar_unique")]

    def __str__(self) -> str:
        return f"{self.rating_id}/{self.star_id}"


class MassVote(BaseModel):
    """One resident's mass assessment of their community's organization (once per cycle).
    ``answers``: star id (as text) -> satisfied / basic / unsatisfied. Results are shown only
    as totals; who voted is kept only to allow one vote per resident."""

    class Answer(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    rating = models.ForeignKey(Rating, verbose_name=_("星级评定"), on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("测评人"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("户"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    answers = models.JSONField(_("评价"), default=dict)
    comment = models.TextField(_("意见建议"), blank=True)
    voted_at = models.DateTimeField(_("测评时间"))

    class Meta:
        verbose_name = _("群众测评")
        verbose_name_plural = _("群众测评")
        ordering = ["rating", "voted_at"]
        constraints = [models.UniqueConstraint(fields=["rating", "voter"], name="stars_vote_once")]

    def __str__(self) -> str:
        return f"{self.rating_id}/{self.voter_id}"


class StarChange(BaseModel):
    """A line of a rating's star history. ``award``: granted at approval; ``remove`` 减星: by the
    township at a quarterly check (effective at once); ``add`` 增星: proposed by the township,
    effective when the city committee agrees. Only ``effective`` rows count."""

    class Kind(models.TextChoices):
        AWARD = "award", _("授星")
        REMOVE = "remove", _("减星")
        ADD = "add", _("增星")

    class Status(models.TextChoices):
        PENDING = "pending", _("待市委审定")
        EFFECTIVE = "effective", _("已生效")
        REJECTED = "rejected", _("未同意")

    rating = models.ForeignKey(Rating, verbose_name=_("星级评定"), on_delete=models.CASCADE, related_name="changes")
    star = models.ForeignKey(Star, verbose_name=_("星"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.EFFECTIVE)
    effective_on = models.DateField(_("生效日期"), null=True, blank=True, db_index=True)
    quarter = models.CharField(_("核查季度"), max_length=8, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    evidence = models.TextField(_("依据/佐证"), blank=True)
    attachment = models.FileField(_("佐证材料"), upload_to="stars/evidence/%Y/%m/", blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    decision_note = models.TextField(_("审定意见"), blank=True)
    objection = models.ForeignKey("Objection", verbose_name=_("因异议"), null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        verbose_name = _("星级变动")
        verbose_name_plural = _("星级变动")
        ordering = ["rating", "effective_on", "id"]
        indexes = [models.Index(fields=["rating", "status", "effective_on"], name="stars_change_rating_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.star.name}"


class Objection(BaseModel):
    """An objection filed during the publicity period 公示期异议; it must be answered."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    rating = models.ForeignKey(Rating, verbose_name=_("星级评定"), on_delete=models.CASCADE, related_name="objections")
    star = models.ForeignKey(Star, verbose_name=_("涉及的星"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提出时间"))
    text = models.TextField(_("异议内容"))
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["rating", "filed_at", "id"]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.filed_at:%Y-%m-%d}"


class RatingEvent(models.Model):
    """One line of a rating's timeline."""

    rating = models.ForeignKey(Rating, verbose_name=_("星级评定"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=32)
    note = models.TextField(_("说明"), blank=True)
    extra = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考评记录")
        verbose_name_plural = _("考评记录")
        ordering = ["rating", "at", "id"]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.verb}"
