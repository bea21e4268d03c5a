"""Forms of the whistle pages: filters, blowing a whistle, one small form per department step,
the street's score and the ranking period."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Urgency, Whistle

SCORE_CHOICES = [(str(i), str(i)) for i in range(5, 0, -1)]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("事项"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Whistle.Status.choices))
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False, choices=[("", _("全部"))] + list(Urgency.choices))
    department = forms.TypedChoiceField(label=_("部门"), required=False, coerce=int, empty_value=None)
    late = forms.BooleanField(label=_("只看超时未到场/未回复"), required=False)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("全部"))] + [(d.pk, d.name) for d in departments]


class WhistleForm(forms.Form):
    title = forms.CharField(label=_("事项"), max_length=100)
    description = forms.CharField(label=_("情况说明"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.TypedChoiceField(label=_("地点"), coerce=int, help_text=_("街道或其下的社区、网格"))
    address_text = forms.CharField(label=_("具体位置"), max_length=300, required=False)
    lng = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)
    departments = forms.TypedMultipleChoiceField(label=_("吹哨部门"), coerce=int, widget=forms.CheckboxSelectMultiple)
    report_due_at = forms.DateTimeField(label=_("到场时限(可选)"), required=False,
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                        help_text=_("不填则按紧急程度:紧急30分钟、较急2小时、一般24小时内到场"))
    appeals = forms.CharField(label=_("关联诉求编号(可选)"), max_length=500, required=False,
                              help_text=_("多个编号用逗号或空格分隔,如 SQ-20250301-000012"))

    def __init__(self, *args, places=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "—")] + list(places)
        self.fields["departments"].choices = [(d.pk, d.name) for d in departments]

    def clean_report_due_at(self):
        value = self.cleaned_data["report_due_at"]
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def clean(self):
        data = super().clean()
        if (data.get("lng") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("经纬度须同时填写"))
        return data

    def appeal_numbers(self) -> list[str]:
        return self.cleaned_data["appeals"].replace(",", " ").replace(",", " ").split()


class EmptyForm(forms.Form):
    """acknowledge: nothing to fill in."""


class OnSiteForm(forms.Form):
    people = forms.CharField(label=_("到场人员(可选)"), max_length=200, required=False)
    arrived_at = forms.DateTimeField(label=_("到场时间(不填为现在)"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def clean_arrived_at(self):
        value = self.cleaned_data["arrived_at"]
        return timezone.make_aware(value) if value is not None and timezone.is_naive(value) else value


class ActForm(forms.Form):
    notes = forms.CharField(label=_("处置情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("办理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ScoreForm(forms.Form):
    timeliness = forms.TypedChoiceField(label=_("响应时效"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect)
    attitude = forms.TypedChoiceField(label=_("工作态度"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect)
    result = forms.TypedChoiceField(label=_("处置效果"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("修改理由(改分必填)"), max_length=1000, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("办结说明(可选)"), max_length=1000, required=False)


class RankingForm(forms.Form):
    period = forms.ChoiceField(label=_("周期"), choices=[("month", _("月度")), ("year", _("年度"))], required=False)
    year = forms.IntegerField(label=_("年"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("月"), min_value=1, max_value=12, required=False)

    def period_args(self, now: dt.datetime) -> dict:
        """period, year, month from the form, defaulting to the current month (Asia/Shanghai)."""
        from shequ.appeals.deadlines import SHANGHAI

        today = now.astimezone(SHANGHAI).date()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or "month"
        return {"period": period, "year": data.get("year") or today.year,
                "month": (data.get("month") or today.month) if period == "month" else None}
