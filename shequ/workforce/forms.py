"""Forms of the workforce pages: filters, a worker, a training, the yearly assessment, a candidate and
a department's finding, a funding and a spending, a facility, the Excel import."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Certificate, Education, FundKind, Grade, Position, ReviewDepartment, Worker

ALL = [("", _("全部"))]
DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


def _community_field(**kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=_("社区/村"), coerce=int, **kwargs)


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名"), max_length=50, required=False)
    community = forms.TypedChoiceField(label=_("社区/村"), coerce=int, required=False, empty_value=None)
    position = forms.ChoiceField(label=_("岗位"), required=False, choices=ALL + list(Position.choices))
    education = forms.ChoiceField(label=_("学历"), required=False, choices=ALL + list(Education.choices))
    certificate = forms.ChoiceField(label=_("社会工作职业资格"), required=False, choices=ALL + list(Certificate.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, initial="active",
                               choices=ALL + list(Worker.Status.choices))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = ALL + list(communities)


class WorkerForm(forms.Form):
    community = _community_field()
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False,
                                help_text=_("填写后按身份证号确定出生日期和性别;加密保存,显示时脱敏"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    sex = forms.ChoiceField(label=_("性别"), required=False, choices=[("", "—")] + list(Worker.Sex.choices))
    birth_date = forms.DateField(label=_("出生日期"), required=False, **DATE)
    position = forms.ChoiceField(label=_("岗位"), choices=Position.choices, initial=Position.STAFF)
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices, initial=Education.SENIOR)
    certificate = forms.ChoiceField(label=_("社会工作职业资格"), choices=Certificate.choices, initial=Certificate.NONE)
    monthly_pay = forms.DecimalField(label=_("月薪酬(元)"), min_value=0, max_digits=10, decimal_places=2, initial=0)
    pension_insured = forms.BooleanField(label=_("养老保险"), required=False)
    medical_insured = forms.BooleanField(label=_("医疗保险"), required=False)
    unemployment_insured = forms.BooleanField(label=_("失业保险"), required=False)
    injury_insured = forms.BooleanField(label=_("工伤/意外伤害保险"), required=False)
    hired_on = forms.DateField(label=_("入职日期"), required=False, **DATE)
    status = forms.ChoiceField(label=_("状态"), choices=Worker.Status.choices, initial=Worker.Status.ACTIVE)
    left_on = forms.DateField(label=_("离岗日期"), required=False, **DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, communities=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "—")] + list(communities)
        if editing:
            self.fields["id_number"].help_text = _("留空表示不修改;已登记的号码不在此显示")
            self.fields["phone"].help_text = _("留空表示不修改")
        else:
            del self.fields["status"], self.fields["left_on"]


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("培训名称"), max_length=100)
    start_on = forms.DateField(label=_("开始日期"), **DATE)
    hours = forms.DecimalField(label=_("学时"), min_value=0, max_digits=6, decimal_places=1, initial=0)
    organizer = forms.CharField(label=_("举办单位"), max_length=100, required=False)


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=_("等次"), choices=Grade.choices, widget=forms.RadioSelect)
    remarks = forms.CharField(label=_("评语"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"year": default_assessment_year()})
        super().__init__(*args, **kwargs)


def default_assessment_year(today: dt.date | None = None) -> int:
    """The year whose assessment is due: this year from December on, last year before."""
    today = today or timezone.localdate()
    return today.year if today.month == 12 else today.year - 1


class CandidateForm(forms.Form):
    community = _community_field()
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False)
    position = forms.ChoiceField(label=_("拟任岗位"), choices=Position.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, communities=(), **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "—")] + list(communities)


class FindingForm(forms.Form):
    department_kind = forms.ChoiceField(label=_("审查部门"), choices=ReviewDepartment.choices)
    passed = forms.TypedChoiceField(label=_("审查意见"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                    choices=[("1", _("通过")), ("0", _("不通过"))])
    reason = forms.CharField(label=_("理由"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("不通过时必填"))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department_kind"].choices = [(k, label) for k, label in ReviewDepartment.choices if k in kinds]

    def clean(self):
        data = super().clean()
        if data.get("passed") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("不通过须说明理由"))
        return data


class FundingForm(forms.Form):
    community = _community_field()
    kind = forms.ChoiceField(label=_("类别"), choices=FundKind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("金额(元)"), min_value=0.01, max_digits=12, decimal_places=2)
    allocated_on = forms.DateField(label=_("拨付日期"), **DATE)
    source = forms.CharField(label=_("资金来源"), max_length=100, required=False)
    purpose = forms.CharField(label=_("事由/关联任务"), max_length=200, required=False)

    def __init__(self, *args, communities=(), **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": today.year, "allocated_on": today})
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "—")] + list(communities)


class FundingFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=ALL + list(FundKind.choices))
    community = forms.TypedChoiceField(label=_("社区/村"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        this = timezone.localdate().year
        self.fields["year"].choices = ALL + [(y, str(y)) for y in range(this + 1, this - 6, -1)]
        self.fields["community"].choices = ALL + list(communities)


class SpendingForm(forms.Form):
    amount = forms.DecimalField(label=_("金额(元)"), min_value=0.01, max_digits=12, decimal_places=2)
    spent_on = forms.DateField(label=_("支出日期"), **DATE)
    purpose = forms.CharField(label=_("用途"), max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"spent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class FacilityForm(forms.Form):
    area = forms.DecimalField(label=_("服务中心面积(㎡)"), min_value=0, max_digits=10, decimal_places=2)
    address_text = forms.CharField(label=_("地址"), max_length=200, required=False)
    built_year = forms.IntegerField(label=_("建成年份"), min_value=1900, max_value=2100, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件(.xlsx 或 .csv)"))


class OverviewForm(forms.Form):
    node = forms.TypedChoiceField(label=_("范围"), coerce=int, required=False, empty_value=None)
    end = forms.DateField(label=_("截止日期"), required=False, **DATE)

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("我的辖区"))] + list(nodes)
