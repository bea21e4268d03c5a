"""Community workers 社区工作者, qualification joint review 任职资格联审, yearly assessment, funds and
facilities of communities (SPEC M6).

* ``WorkforcePolicy`` — the figures a deployment tunes (local minimum wage, the pay multiple 2.5,
  the service-centre area standard, problem thresholds), per district or city, with the reports'
  values as defaults (``DEFAULTS``); ``policy_for`` falls back up the tree.
* ``Worker`` — one community worker at one community: position, education, age (from the ID
  number or the birth date), social-work qualification, pay, insurance. ID number and phone are
  encrypted at rest with keyed hashes, like ``registry.Resident``.
* ``Training`` and ``Assessment`` (the December yearly assessment, one per worker and year).
* ``Candidate`` and ``ReviewFinding`` — a candidate for a community post reviewed by the four
  departments (organization, civil affairs, discipline, political-legal); ``Candidate.overall``.
* ``Funding`` (base funding, 以奖代投 rewards, task-linked money 费随事转) and ``Spending`` against it.
* ``Facility`` — a community's service centre and its area.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Department, Located, Node


@dataclass(frozen=True)
class Policy:
    minimum_wage: Decimal
    pay_multiple: Decimal
    centre_area_standard: Decimal
    max_households_per_worker: int
    min_facility_coverage: Decimal

    @property
    def pay_standard(self) -> Decimal:
        """The monthly pay standard of a community worker: multiple × local minimum wage."""
        return (self.minimum_wage * self.pay_multiple).quantize(Decimal("0.01"))


#: Defaults (docs/workforce.md gives the sources): 2.5 × the local minimum wage (seed 000);
#: 1,000 m² of community office and service space (seed 003's subsidy threshold).
DEFAULTS = Policy(minimum_wage=Decimal("2420"), pay_multiple=Decimal("2.5"), centre_area_standard=Decimal("1000"),
                  max_households_per_worker=300, min_facility_coverage=Decimal("0.9"))


class WorkforcePolicy(BaseModel):
    """Local standards for workers and facilities. A row for a district applies to its
    communities; a row for a city to the districts without one; a row without a node to the rest."""

    node = models.OneToOneField(Node, verbose_name=_("适用辖区"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", limit_choices_to={"level__in": ["city", "district"]},
                                help_text=_("市或区县;留空为全平台默认"))
    minimum_wage = models.DecimalField(_("当地最低工资标准(元/月)"), max_digits=10, decimal_places=2,
                                       default=DEFAULTS.minimum_wage)
    pay_multiple = models.DecimalField(_("薪酬标准倍数"), max_digits=4, decimal_places=2, default=DEFAULTS.pay_multiple,
                                       help_text=_("社区工作者薪酬标准 = 倍数 × 当地最低工资,默认 2.5 倍"))
    centre_area_standard = models.DecimalField(_("服务中心面积标准(㎡)"), max_digits=10, decimal_places=2,
                                               default=DEFAULTS.centre_area_standard)
    max_households_per_worker = models.PositiveIntegerField(_("每名工作者服务户数上限"),
                                                            default=DEFAULTS.max_households_per_worker)
    min_facility_coverage = models.DecimalField(_("设施覆盖率下限"), max_digits=4, decimal_places=3,
                                                default=DEFAULTS.min_facility_coverage, help_text=_("0–1,如 0.9"))

    class Meta:
        verbose_name = _("社区工作者与设施标准")
        verbose_name_plural = _("社区工作者与设施标准")
        constraints = [
            models.CheckConstraint(condition=models.Q(pay_multiple__gt=0, minimum_wage__gt=0, centre_area_standard__gt=0),
                                   name="workforce_policy_positive"),
            models.CheckConstraint(condition=models.Q(min_facility_coverage__gte=0, min_facility_coverage__lte=1),
                                   name="workforce_policy_coverage_share"),
        ]

    def __str__(self) -> str:
        return str(self.node) if self.node_id else str(_("默认"))

    def as_policy(self) -> Policy:
        return Policy(self.minimum_wage, self.pay_multiple, self.centre_area_standard, self.max_households_per_worker,
                      self.min_facility_coverage)


class PolicyBook:
    """Every policy row loaded once (a handful): ``for_node`` picks the district's, the city's or the default."""

    def __init__(self) -> None:
        self.rows = {row.node_id: row.as_policy() for row in WorkforcePolicy.objects.all()}

    def for_node(self, node) -> Policy:
        for key in (getattr(node, "district_id", None), getattr(node, "city_id", None), None):
            if key in self.rows:
                return self.rows[key]
        return DEFAULTS


def policy_for(node) -> Policy:
    return PolicyBook().for_node(node)


class Position(models.TextChoices):
    SECRETARY = "secretary", _("党组织书记")
    DIRECTOR = "director", _("居(村)委会主任")
    DEPUTY = "deputy", _("副书记/副主任")
    COMMITTEE = "committee", _("两委委员")
    STAFF = "staff", _("社区专职工作者")
    GRID = "grid", _("专职网格员")
    OTHER = "other", _("其他")


class Education(models.TextChoices):
    JUNIOR = "junior", _("初中及以下")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


#: "大专以上" (college and above) in the reports' sense.
COLLEGE_AND_ABOVE = (Education.COLLEGE, Education.BACHELOR, Education.POSTGRADUATE)


class Certificate(models.TextChoices):
    NONE = "none", _("无")
    ASSISTANT = "assistant", _("助理社会工作师")
    SOCIAL_WORKER = "social_worker", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


#: Age bands of the age-structure chart: (label, lowest age, highest age).
AGE_BANDS = ((_("30岁以下"), 0, 29), (_("30–39岁"), 30, 39), (_("40–49岁"), 40, 49), (_("50–59岁"), 50, 59),
             (_("60岁及以上"), 60, 200))


class Worker(Located, BaseModel):
    """A community worker 社区工作者 of one community or village (``community``)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        LEFT = "left", _("离岗")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_hash = models.CharField(_("身份证号索引"), max_length=32, blank=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(_("电话索引"), max_length=32, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    position = models.CharField(_("岗位"), max_length=16, choices=Position.choices, default=Position.STAFF)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, default=Education.SENIOR)
    certificate = models.CharField(_("社会工作职业资格"), max_length=16, choices=Certificate.choices, default=Certificate.NONE)
    monthly_pay = models.DecimalField(_("月薪酬(元)"), max_digits=10, decimal_places=2, default=Decimal("0"))
    pension_insured = models.BooleanField(_("养老保险"), default=False)
    medical_insured = models.BooleanField(_("医疗保险"), default=False)
    unemployment_insured = models.BooleanField(_("失业保险"), default=False)
    injury_insured = models.BooleanField(_("工伤/意外伤害保险"), default=False)
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("社区工作者")
        verbose_name_plural = _("社区工作者")
        ordering = ["community_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_hash"], condition=~models.Q(id_hash=""), name="worker_unique_id_number"),
            models.CheckConstraint(condition=models.Q(monthly_pay__gte=0), name="worker_pay_not_negative"),
        ]
        indexes = [models.Index(fields=["community", "status"], name="worker_community_idx"),
                   models.Index(fields=["street", "status"], name="worker_street_idx")]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def insurance_labels(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in INSURANCE_FIELDS if getattr(self, f)]


INSURANCE_FIELDS = ("pension_insured", "medical_insured", "unemployment_insured", "injury_insured")


class Training(BaseModel):
    """A training a worker attended (岗位培训, 学历培训, the social-work exam course ...)."""

    worker = models.ForeignKey(Worker, verbose_name=_("社区工作者"), on_delete=models.CASCADE, related_name="trainings")
    title = models.CharField(_("培训名称"), max_length=100)
    organizer = models.CharField(_("举办单位"), max_length=100, blank=True)
    start_on = models.DateField(_("开始日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, default=Decimal("0"))

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-start_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gte=0), name="training_hours_not_negative")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_node_id(self) -> int | None:
        return self.worker.community_id


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


#: The yearly assessment takes place in December: the earliest month it may be recorded.
ASSESSMENT_MONTH = 12


class Assessment(BaseModel):
    """The yearly assessment 年度考核 of a worker (in December of ``year``): grade and remarks."""

    worker = models.ForeignKey(Worker, verbose_name=_("社区工作者"), on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("等次"), max_length=16, choices=Grade.choices)
    remarks = models.CharField(_("评语"), max_length=500, blank=True)
    assessed_on = models.DateField(_("考核日期"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("考核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["-year", "worker_id"]
        constraints = [models.UniqueConstraint(fields=["worker", "year"], name="assessment_one_per_year")]

    def __str__(self) -> str:
        return f"{self.worker} {self.year}"

    @property
    def audit_node_id(self) -> int | None:
        return self.worker.community_id


class ReviewDepartment(models.TextChoices):
    """The four departments of the qualification joint review (组织、民政、纪检、政法)."""

    ORGANIZATION = Department.Kind.ORGANIZATION.value, _("组织部")
    CIVIL_AFFAIRS = Department.Kind.CIVIL_AFFAIRS.value, _("民政")
    DISCIPLINE = Department.Kind.DISCIPLINE.value, _("纪委监委")
    POLITICAL_LEGAL = Department.Kind.POLITICAL_LEGAL.value, _("政法委")


class Candidate(Located, BaseModel):
    """A candidate for a community post, under qualification joint review 任职资格联审."""

    class Overall(models.TextChoices):
        PENDING = "pending", _("审查中")
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_hash = models.CharField(_("身份证号索引"), max_length=32, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Worker.Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    position = models.CharField(_("拟任岗位"), max_length=16, choices=Position.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    overall = models.CharField(_("联审结果"), max_length=8, choices=Overall.choices, default=Overall.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("联审对象")
        verbose_name_plural = _("联审对象")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.name


def overall_of(findings: dict[str, bool]) -> str:
    """The candidate's result from the departments' findings (kind -> passed): failed as soon as one
    department fails them, passed when all four passed, pending otherwise."""
    if any(passed is False for passed in findings.values()):
        return Candidate.Overall.FAILED
    if all(findings.get(kind) is True for kind in ReviewDepartment.values):
        return Candidate.Overall.PASSED
    return Candidate.Overall.PENDING


class ReviewFinding(BaseModel):
    """One department's finding on a candidate: pass, or fail with the reason."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("联审对象"), on_delete=models.CASCADE, related_name="findings")
    department_kind = models.CharField(_("审查部门"), max_length=32, choices=ReviewDepartment.choices)
    passed = models.BooleanField(_("通过"))
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审查人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审查时间"))

    class Meta:
        verbose_name = _("部门审查意见")
        verbose_name_plural = _("部门审查意见")
        ordering = ["candidate_id", "department_kind"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "department_kind"], name="finding_one_per_department"),
            models.CheckConstraint(condition=models.Q(passed=True) | ~models.Q(reason=""), name="finding_fail_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.department_kind}"

    @property
    def audit_node_id(self) -> int | None:
        return self.candidate.community_id


class FundKind(models.TextChoices):
    BASE = "base", _("基本经费")
    REWARD = "reward", _("以奖代投")
    TASK = "task", _("任务经费(费随事转)")
    OTHER = "other", _("其他")


class Funding(Located, BaseModel):
    """Money allocated to a community: base funding, a reward 以奖代投, money following a task."""

    kind = models.CharField(_("类别"), max_length=8, choices=FundKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    allocated_on = models.DateField(_("拨付日期"))
    source = models.CharField(_("资金来源"), max_length=100, blank=True)
    purpose = models.CharField(_("事由/关联任务"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("社区经费")
        verbose_name_plural = _("社区经费")
        ordering = ["-allocated_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="funding_amount_positive")]
        indexes = [models.Index(fields=["community", "allocated_on"], name="funding_community_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Spending(Located, BaseModel):
    """Money spent against one funding."""

    funding = models.ForeignKey(Funding, verbose_name=_("经费"), on_delete=models.PROTECT, related_name="spendings")
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    spent_on = models.DateField(_("支出日期"))
    purpose = models.CharField(_("用途"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("经费支出")
        verbose_name_plural = _("经费支出")
        ordering = ["-spent_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="spending_amount_positive")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.amount}"


class Facility(Located, BaseModel):
    """A community's service centre 社区综合服务设施 (office and service space)."""

    area = models.DecimalField(_("服务中心面积(㎡)"), max_digits=10, decimal_places=2)
    address_text = models.CharField(_("地址"), max_length=200, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("社区服务设施")
        verbose_name_plural = _("社区服务设施")
        ordering = ["community_id"]
        constraints = [
            models.UniqueConstraint(fields=["community"], name="facility_one_per_community"),
            models.CheckConstraint(condition=models.Q(area__gte=0), name="facility_area_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.area}㎡"
