from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DataRequest


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("请求类型"), choices=DataRequest.Kind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    name = forms.CharField(label=_("更正后的姓名"), required=False, max_length=50)
    phone = forms.CharField(label=_("更正后的电话"), required=False, max_length=20)
    id_number = forms.CharField(label=_("更正后的身份证号"), required=False, max_length=18)
    ethnicity = forms.CharField(label=_("更正后的民族"), required=False, max_length=20)

    def corrections(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "phone", "id_number", "ethnicity") if self.cleaned_data.get(k)}


class DecisionForm(forms.Form):
    response = forms.CharField(label=_("答复"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
