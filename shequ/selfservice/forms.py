"""Forms of the resident pages: the phone-sized intake, and the public list's filters."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal
from shequ.web.forms import PhoneField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); type and size are checked by
    ``appeals.attachments`` inside the service, which names the offending file."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,"
                                                                      ".heic,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IntakeForm(forms.Form):
    category = forms.ChoiceField(label=_("问题类别"))
    description = forms.CharField(label=_("问题描述"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("请说明发生了什么、在哪里、持续多久")}))
    photos = MultipleFileField(label=_("照片或文件"), required=False,
                               help_text=_("可选,最多 6 个,每个不超过 5 MB;JPEG、PNG、WebP、HEIC 或 PDF"))
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    address_text = forms.CharField(label=_("地址"), max_length=300, required=False,
                                   help_text=_("例如:甲社区路10号1单元;也可点击“获取我的位置”"))
    requester_name = forms.CharField(label=_("您的姓名"), max_length=50)
    requester_phone = PhoneField(label=_("手机号码"), autocomplete="tel")

    def __init__(self, *args, categories=(), resident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.code: c for c in categories}
        groups: dict[str, list] = {}
        for c in categories:
            groups.setdefault(c.group or str(_("其他")), []).append((c.code, c.name))
        self.fields["category"].choices = [("", _("请选择"))] + list(groups.items())
        self.resident = resident
        if resident is not None:
            # A signed-in resident: their registered name and phone are used unless they type others.
            self.fields["requester_name"].required = False
            self.fields["requester_phone"].required = False
            self.fields["requester_name"].widget.attrs["placeholder"] = resident.name
            self.fields["requester_name"].help_text = _("留空则使用登记姓名")
            self.fields["requester_phone"].help_text = _("留空则使用登记电话")

    def clean(self):
        data = super().clean()
        if (data.get("lng") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("位置信息不完整,请重新获取位置或填写地址"))
        if data.get("lng") is None and not (data.get("address_text") or "").strip() and "address_text" not in self.errors:
            self.add_error("address_text", _("请填写地址,或点击“获取我的位置”"))
        if self.resident is not None:
            data["requester_name"] = data.get("requester_name") or self.resident.name
            data["requester_phone"] = data.get("requester_phone") or (self.resident.phone or "")
            if not data["requester_phone"]:
                self.add_error("requester_phone", _("登记信息中没有电话,请填写手机号码"))
        return data


class PublicFilterForm(forms.Form):
    street = forms.TypedChoiceField(label=_("街道/乡镇"), required=False, coerce=int, empty_value=None)
    community = forms.TypedChoiceField(label=_("社区/村"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("类别"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Appeal.Status.choices))
    month = forms.RegexField(label=_("月份"), required=False, regex=r"^\d{4}-(0[1-9]|1[0-2])$",
                             widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}))

    def __init__(self, *args, streets=(), communities=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["street"].choices = everything + [(pk, name) for pk, name in streets]
        self.fields["community"].choices = everything + [(pk, name) for pk, name, _street in communities]
        self.fields["category"].choices = everything + [(c.code, c.name) for c in categories]
