"""Page forms of party building: shapes and choices only; rules live in ``services``."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DualRegistration, PartyOrganization, Resolution

DATE = forms.DateInput(attrs={"type": "date"})
MULTI = forms.CheckboxSelectMultiple


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=150)
    kind = forms.ChoiceField(label=_("组织类型"), choices=PartyOrganization.Kind.choices)
    node = forms.TypedChoiceField(label=_("所在辖区"), coerce=int)
    parent = forms.TypedChoiceField(label=_("上级党组织"), coerce=int, required=False, empty_value=None)
    units = forms.TypedMultipleChoiceField(label=_("覆盖单位"), coerce=int, required=False, widget=MULTI,
                                           help_text=_("单位须在所在辖区内;联合党支部至少两个"))
    member_count = forms.IntegerField(label=_("党员人数"), min_value=0, initial=0)
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE)

    def __init__(self, *args, nodes=(), parents=(), units=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "—"), *nodes]
        self.fields["parent"].choices = [("", "—"), *parents]
        self.fields["units"].choices = list(units)
        if editing:
            del self.fields["node"]


class DissolveForm(forms.Form):
    on = forms.DateField(label=_("撤销日期"), widget=DATE)
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class MeetingForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区/村"), coerce=int)
    title = forms.CharField(label=_("会议名称"), max_length=200)
    scheduled_on = forms.DateField(label=_("计划日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    units = forms.TypedMultipleChoiceField(label=_("邀请单位"), coerce=int, required=False, widget=MULTI)
    topics = forms.CharField(label=_("议题"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("每行一个议题"))

    def __init__(self, *args, communities=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "—"), *communities]
        self.fields["units"].choices = list(units)


class HoldForm(forms.Form):
    held_on = forms.DateField(label=_("召开日期"), widget=DATE)
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 4}))
    present = forms.TypedMultipleChoiceField(label=_("到会单位"), coerce=int, required=False, widget=MULTI)

    def __init__(self, *args, invited=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = list(invited)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class TopicForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=200)


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("议定事项"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    owner_name = forms.CharField(label=_("责任人/责任单位"), max_length=100)
    owner_unit = forms.TypedChoiceField(label=_("牵头单位"), coerce=int, required=False, empty_value=None)
    due_on = forms.DateField(label=_("完成时限"), required=False, widget=DATE)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [("", "—"), *units]


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 2}))
    status = forms.ChoiceField(label=_("跟进后状态"), choices=[c for c in Resolution.Status.choices if c[0] != "open"])


class RegistrationForm(forms.Form):
    kind = forms.ChoiceField(label=_("报到类型"), choices=DualRegistration.Kind.choices)
    community = forms.TypedChoiceField(label=_("报到社区"), coerce=int)
    registered_on = forms.DateField(label=_("报到日期"), widget=DATE)
    resident = forms.TypedChoiceField(label=_("党员(居民)"), coerce=int, required=False, empty_value=None,
                                      help_text=_("在职党员报到时选择;名单来自居民信息中标注为党员的居民"))
    organization_name = forms.CharField(label=_("党组织名称"), max_length=150, required=False)
    unit = forms.TypedChoiceField(label=_("所在单位(实有单位)"), coerce=int, required=False, empty_value=None)
    workplace = forms.CharField(label=_("工作单位"), max_length=150, required=False)

    def __init__(self, *args, communities=(), residents=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "—"), *communities]
        self.fields["resident"].choices = [("", "—"), *residents]
        self.fields["unit"].choices = [("", "—"), *units]


class ServiceForm(forms.Form):
    title = forms.CharField(label=_("服务内容"), max_length=200)
    served_on = forms.DateField(label=_("服务日期"), widget=DATE)
    hours = forms.DecimalField(label=_("服务时长(小时)"), max_digits=5, decimal_places=1)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class RosterForm(forms.Form):
    file = forms.FileField(label=_("应报到名单文件(.xlsx 或 .csv)"),
                           help_text=_("列:类型(党组织/党员)、社区代码、名称/姓名、身份证号(党员,仅用于匹配,不保存)、工作单位"))


class CentralForm(forms.Form):
    member = forms.TypedChoiceField(label=_("党员"), coerce=int)
    served = forms.TypedMultipleChoiceField(label=_("联系服务户"), coerce=int, required=False, widget=MULTI)
    designated_on = forms.DateField(label=_("设立日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, members=(), households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *members]
        self.fields["served"].choices = list(households)


class ServedForm(forms.Form):
    served = forms.TypedMultipleChoiceField(label=_("联系服务户"), coerce=int, required=False, widget=MULTI)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["served"].choices = list(households)
