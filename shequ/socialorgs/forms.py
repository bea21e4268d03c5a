"""Page forms of social organizations: shapes and choices; rules live in ``services``."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SocialOrganization

DATE = forms.DateInput(attrs={"type": "date"})


class OrganizationForm(forms.Form):
    community = forms.TypedChoiceField(label=_("所在社区/村"), coerce=int)
    name = forms.CharField(label=_("组织名称"), max_length=150)
    type = forms.ChoiceField(label=_("类型"), choices=SocialOrganization.Type.choices)
    served_group = forms.ChoiceField(label=_("服务对象"), choices=SocialOrganization.Group.choices, required=False,
                                     help_text=_("特定群体类组织必填"))
    filing = forms.ChoiceField(label=_("登记备案状态"), choices=SocialOrganization.Filing.choices)
    filed_on = forms.DateField(label=_("登记/备案日期"), required=False, widget=DATE)
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE)
    revoked_on = forms.DateField(label=_("注销日期"), required=False, widget=DATE)
    leader_name = forms.CharField(label=_("负责人"), max_length=50, required=False)
    member_count = forms.IntegerField(label=_("成员数"), min_value=0, initial=0)
    activities = forms.CharField(label=_("主要活动"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, communities=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "—"), *communities]
        if editing:
            del self.fields["community"]


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=200)
    place = forms.TypedChoiceField(label=_("服务地点"), coerce=int)
    purchaser = forms.CharField(label=_("购买方"), max_length=100)
    budget = forms.DecimalField(label=_("预算(元)"), max_digits=12, decimal_places=2, min_value=0)
    start_on = forms.DateField(label=_("开始日期"), widget=DATE)
    end_on = forms.DateField(label=_("结束日期"), widget=DATE)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "—"), *places]


class FinishForm(forms.Form):
    results = forms.CharField(label=_("项目成效"), widget=forms.Textarea(attrs={"rows": 3}))
    spent = forms.DecimalField(label=_("实际支出(元)"), max_digits=12, decimal_places=2, min_value=0)
    beneficiaries = forms.IntegerField(label=_("受益人次"), min_value=0, required=False)
    rating = forms.CharField(label=_("评估等级"), max_length=16, required=False)
