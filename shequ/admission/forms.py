"""Forms of the work-admission pages. Choices (communities, departments, list items) come from the
views, already scoped; the services validate again and name the field of any refusal."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.selfservice.forms import MultipleFileField

from . import datafields
from .models import Category, Channel, DutyClass, FundingMode, StampRecord, WorkTask

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class TaskForm(forms.Form):
    title = forms.CharField(label=_("事项名称"), max_length=150)
    description = forms.CharField(label=_("工作内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    duty_class = forms.ChoiceField(label=_("职责类别"), choices=DutyClass.choices, widget=forms.RadioSelect,
                                   help_text=_("基本职责由政府保障经费;协助职责须随事附经费(费随事转);服务职责为有偿服务"))
    list_item = forms.TypedChoiceField(label=_("对应的清单事项"), required=False, coerce=int, empty_value=None,
                                       help_text=_("不在清单内的请选“清单外事项”,须经区社区办审批"))
    legal_basis = forms.CharField(label=_("法律依据"), max_length=300, required=False, help_text=_("清单外事项必填"))
    purpose = forms.CharField(label=_("目的"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("清单外事项必填"))
    funding_mode = forms.ChoiceField(label=_("经费方式"), choices=FundingMode.choices, initial=FundingMode.NONE)
    funding_amount = forms.DecimalField(label=_("经费标准(元)"), min_value=0, max_digits=12, decimal_places=2, required=False)
    funding_units = forms.IntegerField(label=_("工作量(单位数)"), min_value=1, required=False)
    funding_unit_label = forms.CharField(label=_("工作量单位"), max_length=20, required=False)
    funding_source = forms.CharField(label=_("经费来源"), max_length=200, required=False)
    deadline = forms.DateField(label=_("完成期限"), **DATE)
    communities = forms.TypedMultipleChoiceField(label=_("下派社区/村"), coerce=int, required=False,
                                                 widget=forms.CheckboxSelectMultiple, help_text=_("不选为本区全部社区/村"))
    data_fields = forms.MultipleChoiceField(label=_("需要的数据项(平台已掌握)"), required=False,
                                            choices=datafields.choices(), widget=forms.CheckboxSelectMultiple,
                                            help_text=_("平台已有的数据经批准后以脱敏导出提供,社区不再入户采集"))
    other_data_fields = forms.CharField(label=_("其他数据项"), max_length=500, required=False,
                                        help_text=_("平台没有、仍须社区采集的数据项"))
    collection_only = forms.BooleanField(label=_("本事项仅为数据采集(入户统计上报)"), required=False)
    ledgers_demanded = forms.IntegerField(label=_("要求建立台账(本)"), min_value=0, max_value=1000, initial=0)
    forms_demanded = forms.IntegerField(label=_("要求填报表格(份)"), min_value=0, max_value=1000, initial=0)

    def __init__(self, *args, items=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_item"].choices = [("", _("清单外事项"))] + [
            (i.pk, f"[{i.get_category_display()}] {i.code} {i.name}") for i in items]
        self.fields["communities"].choices = [(c.pk, c.name) for c in communities]

    @classmethod
    def initial_of(cls, task: WorkTask) -> dict:
        return {
            "title": task.title, "description": task.description, "duty_class": task.duty_class,
            "list_item": task.list_item_id, "legal_basis": task.legal_basis, "purpose": task.purpose,
            "funding_mode": task.funding_mode, "funding_amount": task.funding_amount, "funding_units": task.funding_units,
            "funding_unit_label": task.funding_unit_label, "funding_source": task.funding_source,
            "deadline": task.deadline, "communities": list(task.communities.values_list("pk", flat=True)),
            "data_fields": task.data_fields, "other_data_fields": task.other_data_fields,
            "collection_only": task.collection_only, "ledgers_demanded": task.ledgers_demanded,
            "forms_demanded": task.forms_demanded,
        }

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"], "description": d["description"], "duty_class": d["duty_class"],
            "list_item_id": d["list_item"], "legal_basis": d["legal_basis"], "purpose": d["purpose"],
            "funding_mode": d["funding_mode"], "funding_amount": d["funding_amount"] or 0,
            "funding_units": d["funding_units"], "funding_unit_label": d["funding_unit_label"],
            "funding_source": d["funding_source"], "deadline": d["deadline"], "community_ids": d["communities"],
            "data_fields": d["data_fields"], "other_data_fields": d["other_data_fields"],
            "collection_only": d["collection_only"], "ledgers_demanded": d["ledgers_demanded"] or 0,
            "forms_demanded": d["forms_demanded"] or 0,
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), widget=forms.RadioSelect, choices=[
        ("approve", _("批准准入并下派")), ("return", _("退回修改")), ("reject", _("不予准入"))])
    reuse = forms.BooleanField(label=_("以平台数据复用代替入户采集(脱敏导出)"), required=False, initial=True)
    reason = forms.CharField(label=_("审批意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("退回修改、不予准入时必填"))


class ForwardForm(forms.Form):
    grids = forms.TypedMultipleChoiceField(label=_("转派网格"), coerce=int, widget=forms.CheckboxSelectMultiple)
    due_on = forms.DateField(label=_("网格完成期限(可选)"), required=False, **DATE)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].choices = [(g.pk, g.name) for g in grids]


class CompleteForm(forms.Form):
    result = forms.CharField(label=_("完成情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("附件(PDF或照片,可多选)"), required=False)


class ItemForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    name = forms.CharField(label=_("事项名称"), max_length=200)
    legal_basis = forms.CharField(label=_("依据"), max_length=300, required=False)


class PublishForm(forms.Form):
    effective_from = forms.DateField(label=_("施行日期"), **DATE)
    note = forms.CharField(label=_("发布说明"), max_length=2000, required=False)


class UnadmittedForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区"), coerce=int)
    title = forms.CharField(label=_("事项"), max_length=150)
    department = forms.TypedChoiceField(label=_("交办部门"), coerce=int, required=False, empty_value=None)
    department_name = forms.CharField(label=_("其他交办单位"), max_length=100, required=False,
                                      help_text=_("不是区直部门时填写"))
    received_on = forms.DateField(label=_("收到日期"), **DATE)
    channel = forms.ChoiceField(label=_("布置方式"), choices=Channel.choices)
    ledgers_demanded = forms.IntegerField(label=_("要求建立台账(本)"), min_value=0, max_value=1000, initial=0)
    forms_demanded = forms.IntegerField(label=_("要求填报表格(份)"), min_value=0, max_value=1000, initial=0)
    description = forms.CharField(label=_("情况"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, communities=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["department"].choices = [("", "—")] + [(d.pk, d.name) for d in departments]
        self.fields["received_on"].initial = timezone.localdate()


class ReviewForm(forms.Form):
    confirm = forms.TypedChoiceField(label=_("核实结果"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                     choices=[("1", _("属实,计入部门")), ("0", _("不予认定"))])
    reason = forms.CharField(label=_("意见"), max_length=2000, required=False)


class StampForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=StampRecord.Kind.choices, widget=forms.RadioSelect,
                             initial=StampRecord.Kind.SEAL)
    matter = forms.CharField(label=_("事由"), max_length=200)
    item = forms.TypedChoiceField(label=_("对应清单事项"), coerce=int, required=False, empty_value=None,
                                  help_text=_("清单内的用印范围或证明事项;清单外请留空"))
    requester = forms.CharField(label=_("申请人/单位"), max_length=100, required=False)
    department = forms.TypedChoiceField(label=_("要求的部门"), coerce=int, required=False, empty_value=None)
    override_reason = forms.CharField(label=_("清单外仍须办理的理由"), max_length=2000, required=False,
                                      help_text=_("不填则清单外事项予以拒绝并记录"))

    def __init__(self, *args, communities=(), departments=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["department"].choices = [("", "—")] + [(d.pk, d.name) for d in departments]
        self.fields["item"].choices = [("", _("清单外"))] + [
            (i.pk, f"[{i.get_category_display()}] {i.code} {i.name}") for i in items]


class PlaqueForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区"), coerce=int)
    name = forms.CharField(label=_("牌子名称"), max_length=100)
    department = forms.TypedChoiceField(label=_("要求悬挂的部门"), coerce=int, required=False, empty_value=None)
    put_up_on = forms.DateField(label=_("悬挂日期"), **DATE)

    def __init__(self, *args, communities=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["department"].choices = [("", "—")] + [(d.pk, d.name) for d in departments]


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)

    def chosen_year(self) -> int:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("year") or timezone.localdate().year
