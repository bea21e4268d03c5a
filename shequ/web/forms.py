"""Page forms. They only validate input; the services decide and write."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.idcard import validate_phone
from shequ.registry.models import Establishment, House, Household, Resident

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
    version = forms.CharField(required=False, widget=forms.HiddenInput)  # the updated_at read (core.versioning)

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


# --- registration (shequ/web/registration.py) ---------------------------------------------

class UnechoedInput(forms.TextInput):
    """A text input that never sends its value back: a failed form does not carry an ID number or phone in clear."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


def _personal_input(inputmode: str) -> UnechoedInput:
    return UnechoedInput(attrs={"autocomplete": "off", "inputmode": inputmode})


class PhoneField(forms.CharField):
    """A phone number checked by ``idcard.validate_phone`` (empty allowed when not required), in an
    input that never echoes it back."""

    def __init__(self, *, autocomplete: str = "off", **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", UnechoedInput(attrs={"autocomplete": autocomplete, "inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        phone = super().clean(value).strip()
        if phone:
            try:
                validate_phone(phone)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return phone


class BuildingAddressForm(forms.Form):
    road = forms.CharField(label=_("街路巷"), max_length=100)
    number = forms.CharField(label=_("门牌号"), max_length=30)
    compound_name = forms.CharField(label=_("小区"), max_length=100, required=False)
    building_no = forms.CharField(label=_("楼栋号"), max_length=30, required=False, help_text=_("留空则用楼栋名称"))


class HouseCreateForm(forms.Form):
    room = forms.CharField(label=_("室号"), max_length=30)
    unit = forms.TypedChoiceField(label=_("单元"), required=False, coerce=int, empty_value=None)
    floor = forms.IntegerField(label=_("楼层"), required=False, min_value=-10, max_value=300)
    area = forms.DecimalField(label=_("面积(㎡)"), max_digits=8, decimal_places=2, required=False, min_value=0)
    use = forms.ChoiceField(label=_("用途"), choices=House.Use.choices)
    owner_name = forms.CharField(label=_("产权人"), max_length=50, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("(不分单元)")), *((u.pk, u.name) for u in units)]


class HouseholdCreateForm(forms.Form):
    number = forms.CharField(label=_("户号"), max_length=40)
    kind = forms.ChoiceField(label=_("户类型"), choices=Household.Kind.choices)
    registration = forms.ChoiceField(label=_("户籍性质"), choices=Household.Registration.choices)


class TenancyStartForm(forms.Form):
    tenant = forms.CharField(label=_("承租人"), max_length=50, widget=_personal_input("text"),
                             help_text=_("完整身份证号,或辖区内居民的姓名(须唯一)"))
    start_on = forms.DateField(label=_("起租日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_on = forms.DateField(label=_("到期日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    landlord_name = forms.CharField(label=_("出租人"), max_length=50, required=False)
    contract_no = forms.CharField(label=_("合同编号"), max_length=50, required=False)


class ResidentCreateForm(forms.Form):
    """Register a resident in a household. Birth date and sex come from the ID number."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False, widget=_personal_input("text"),
                                help_text=_("出生日期和性别由身份证号得出"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, widget=_personal_input("tel"))
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False, initial="汉族")
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False)
    residence_type = forms.ChoiceField(label=_("人口类型"), choices=Resident.ResidenceType.choices)
    tags = forms.MultipleChoiceField(label=_("标签"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.code, t.name) for t in tags]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=100, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class ConfirmForm(forms.Form):
    """A delete confirmation with nothing to fill in."""


class EstablishmentForm(forms.Form):
    address = forms.IntegerField(label=_("标准地址"), widget=forms.HiddenInput)
    name = forms.CharField(label=_("单位名称"), max_length=150)
    kind = forms.ChoiceField(label=_("单位类型"), choices=Establishment.Kind.choices)
    sector = forms.ChoiceField(label=_("行业/领域"), choices=Establishment.Sector.choices, initial=Establishment.Sector.OTHER)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, widget=_personal_input("tel"))
    employees = forms.IntegerField(label=_("从业人数"), required=False, min_value=0)
    is_resident_unit = forms.BooleanField(label=_("驻区单位"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["contact_phone"].help_text = _BLANK_KEEPS
