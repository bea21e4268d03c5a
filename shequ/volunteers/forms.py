"""Forms of the volunteer pages."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Activity, CallOut, Volunteer

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或完整电话"), max_length=50, required=False)
    skill = forms.ChoiceField(label=_("技能"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Volunteer.Status.choices))

    def __init__(self, *args, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", _("全部"))] + [(s.code, s.name) for s in skills]


class VolunteerForm(forms.Form):
    resident = forms.TypedChoiceField(label=_("登记居民"), coerce=int, required=False, empty_value=None,
                                      widget=forms.RadioSelect, help_text=_("居民的姓名、电话以居民库为准"))
    name = forms.CharField(label=_("姓名(非本辖区登记居民)"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话(非居民,加密保存)"), max_length=20, required=False)
    node = forms.TypedChoiceField(label=_("所属网格/社区(非居民)"), coerce=int, required=False, empty_value=None)
    skills = forms.MultipleChoiceField(label=_("技能"), required=False, widget=forms.CheckboxSelectMultiple)
    emergency_ready = forms.BooleanField(label=_("愿意参加应急召集"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, residents=(), nodes=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [(r["id"], r["label"]) for r in residents]
        self.fields["node"].choices = [("", "—")] + list(nodes)
        self.fields["skills"].choices = [(s.code, s.name) for s in skills]


class VolunteerEditForm(forms.Form):
    skills = forms.MultipleChoiceField(label=_("技能"), required=False, widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label=_("状态"), choices=Volunteer.Status.choices)
    emergency_ready = forms.BooleanField(label=_("愿意参加应急召集"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = [(s.code, s.name) for s in skills]


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Activity.Kind.choices)
    node = forms.TypedChoiceField(label=_("组织单位"), coerce=int)
    place = forms.CharField(label=_("地点"), max_length=150, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DT)
    capacity = forms.IntegerField(label=_("人数上限"), min_value=1)
    hours = forms.DecimalField(label=_("每人计入时长(小时)"), required=False, max_digits=5, decimal_places=1,
                               help_text=_("不填则按活动时长"))
    skills = forms.MultipleChoiceField(label=_("所需技能"), required=False, widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, nodes=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = list(nodes)
        self.fields["skills"].choices = [(s.code, s.name) for s in skills]


class SignUpForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("志愿者"), coerce=int)

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [(v.pk, v.display_name) for v in volunteers]


class HoursForm(forms.Form):
    hours = forms.DecimalField(label=_("确认时长(小时)"), required=False, max_digits=5, decimal_places=1)


class CallOutForm(forms.Form):
    grid = forms.TypedChoiceField(label=_("网格"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=CallOut.Kind.choices)
    needed = forms.IntegerField(label=_("需要人数"), min_value=1, initial=1)
    message = forms.CharField(label=_("召集内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = list(grids)


class AnswerForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("志愿者"), coerce=int)
    answer = forms.ChoiceField(label=_("回复"), choices=[("yes", _("响应")), ("no", _("无法参加"))])

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = list(volunteers)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
