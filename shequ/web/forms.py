"""Page forms. They only validate input; the services decide and write."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.registry.models import House, Resident

_BLANK_KEEPS = _("留空则不修改")


class ResidentForm(forms.Form):
    """Edit a resident. ID number and phone start empty (never sent in clear); blank keeps them."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False, help_text=_BLANK_KEEPS)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, help_text=_BLANK_KEEPS)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False)
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False)
    residence_type = forms.ChoiceField(label=_("人口类型"), choices=Resident.ResidenceType.choices)
    tags = forms.MultipleChoiceField(label=_("标签"), required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("备注"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.code, t.name) for t in tags]
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})


class MoveForm(forms.Form):
    household_number = forms.CharField(label=_("迁入户号"), max_length=40)
    relation = forms.CharField(label=_("与新户主关系"), max_length=20, required=False)
    on = forms.DateField(label=_("迁移日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("原因"), max_length=100, required=False)


class HouseForm(forms.Form):
    use = forms.ChoiceField(label=_("用途"), choices=House.Use.choices)
    area = forms.DecimalField(label=_("面积(㎡)"), max_digits=8, decimal_places=2, required=False, min_value=0)
    floor = forms.IntegerField(label=_("楼层"), required=False, min_value=-10, max_value=300)
    owner_name = forms.CharField(label=_("产权人"), max_length=50, required=False)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人账号"), required=False)
    verb = forms.CharField(label=_("操作"), required=False)
    target_type = forms.CharField(label=_("对象类型"), required=False)
    target_id = forms.CharField(label=_("对象编号"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
