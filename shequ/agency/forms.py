"""Forms of the agency pages: filters, opening a case, one small form per case action, visits, measures."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgencyCase, Delivery, Visit


class CaseFilterForm(forms.Form):
    number = forms.CharField(label=_("代办编号"), max_length=32, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(AgencyCase.Status.choices))
    matter = forms.ChoiceField(label=_("代办事项"), required=False)
    overdue = forms.BooleanField(label=_("只看超时"), required=False)

    def __init__(self, *args, matters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [("", _("全部"))] + [(m.code, m.name) for m in matters]


class ResidentPickForm(forms.Form):
    """The resident chosen from a search within the user's scope (shown masked)."""

    resident = forms.TypedChoiceField(label=_("居民"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [(r["id"], r["label"]) for r in residents]


class CaseOpenForm(ResidentPickForm):
    matter = forms.ChoiceField(label=_("代办事项"))
    agent = forms.TypedChoiceField(label=_("代办员"), coerce=int, required=False, empty_value=None)
    appeal_number = forms.CharField(label=_("关联诉求编号"), max_length=32, required=False, help_text=_("可选,如 SQ-20250301-000012"))
    note = forms.CharField(label=_("情况说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, matters=(), agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [("", "—")] + [
            (m.code, f"{m.group} · {m.name}" if m.group else m.name) for m in matters]
        self.fields["agent"].choices = [("", _("本人"))] + [(u.pk, f"{u} ({u.get_role_display()})") for u in agents]


class VisitRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("上门类型"), choices=Visit.Kind.choices)
    purpose = forms.CharField(label=_("上门事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("应上门日期"), required=False, help_text=_("不填则为两个工作日内"),
                               widget=forms.DateInput(attrs={"type": "date"}))


class VisitCreateForm(ResidentPickForm, VisitRequestForm):
    """A visit asked for on its own (an elderly resident living alone, a disabled resident)."""


class StepForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    skip = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注(跳过时必填)"), max_length=1000, required=False)


class MaterialsForm(forms.Form):
    received = forms.MultipleChoiceField(label=_("已收材料"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received"].choices = [(m, m) for m in materials]


class TripForm(forms.Form):
    reason = forms.CharField(label=_("到场原因"), max_length=200, help_text=_("如:本人到场签字、补交材料"))


class CompleteForm(forms.Form):
    delivery = forms.ChoiceField(label=_("结果送达方式"), choices=Delivery.choices, widget=forms.RadioSelect,
                                 help_text=_("居民自取计一次跑腿"))
    result = forms.CharField(label=_("办理结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000)


class VisitRecordForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("上门时间"), required=False, help_text=_("不填则为现在"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    outcome = forms.CharField(label=_("上门结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    solved_at_door = forms.TypedChoiceField(label=_("是否当场解决"), choices=[("1", _("当场解决")), ("0", _("未当场解决"))],
                                            coerce=lambda v: v == "1", widget=forms.RadioSelect)
    notes = forms.CharField(label=_("备注"), max_length=2000, required=False)


class MeasuresForm(forms.Form):
    group = forms.ChoiceField(label=_("分组"), choices=[("community", _("社区")), ("street", _("街道")),
                                                       ("matter", _("事项")), ("month", _("月份"))])
    start = forms.DateField(label=_("期初"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("期末"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("期末不能早于期初"))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]) > dt.timedelta(days=731):
            raise forms.ValidationError(_("统计期不能超过两年"))
        return data

