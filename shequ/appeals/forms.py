"""Forms of the appeal pages: intake by window/hotline staff and one small form per workflow move."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.web.forms import PhoneField

from .models import Appeal, Channel, ContactKind, Satisfaction, TimeLimitClass, TimeRequest

#: Channels a staff member takes an appeal in from (self-service channels have their own intake).
STAFF_CHANNELS = (Channel.WINDOW, Channel.HOTLINE, Channel.PATROL)


class FilterForm(forms.Form):
    number = forms.CharField(label=_("诉求编号"), max_length=32, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Appeal.Status.choices))
    category = forms.ChoiceField(label=_("类别"), required=False)
    overdue = forms.BooleanField(label=_("只看超时"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部"))] + [(c.code, c.name) for c in categories]


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    category = forms.ChoiceField(label=_("类别"))
    contact_kind = forms.ChoiceField(label=_("诉求类型"), required=False,
                                     choices=[("", _("按类别默认"))] + list(ContactKind.choices))
    description = forms.CharField(label=_("诉求内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    address_text = forms.CharField(label=_("地址"), max_length=300, required=False,
                                   help_text=_("填写地址或经纬度;都不填则派至本区兜底"))
    lng = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    requester_name = forms.CharField(label=_("诉求人姓名"), max_length=50, required=False)
    requester_phone = PhoneField(label=_("诉求人电话"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.code: c for c in categories}
        self.fields["category"].choices = [("", "—")] + [(c.code, f"{c.group} · {c.name}" if c.group else c.name)
                                                         for c in categories]

    def clean(self):
        data = super().clean()
        if (data.get("lng") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("经纬度须同时填写"))
        return data


class EmptyForm(forms.Form):
    """accept, start: nothing to fill in."""


class DispatchForm(forms.Form):
    unit = forms.ChoiceField(label=_("承办单位"))
    note = forms.CharField(label=_("理由(转办必填)"), max_length=1000, required=False)

    def __init__(self, *args, nodes=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [
            (_("辖区单位"), [(f"n{pk}", name) for pk, name in nodes]),
            (_("区直部门"), [(f"d{d.pk}", d.name) for d in departments]),
        ]


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("答复内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("说明(未经办理直接办结必填)"), max_length=1000, required=False)


class EvaluateForm(forms.Form):
    solved = forms.TypedChoiceField(label=_("是否解决"), choices=[("1", _("已解决")), ("0", _("未解决"))],
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("备注"), max_length=1000, required=False)


class TimeRequestForm(forms.Form):
    """Ask to pause the clock (挂起) or extend the completion deadline (延期)."""

    kind = forms.ChoiceField(label=_("申请类型"), choices=TimeRequest.Kind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    extension_value = forms.IntegerField(label=_("延期时长"), min_value=1, max_value=365, required=False)
    extension_unit = forms.ChoiceField(label=_("延期单位"), choices=[("", "—"), *TimeLimitClass.CompletionUnit.choices],
                                       required=False)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审批结果"), choices=[("1", _("批准")), ("0", _("驳回"))],
                                     coerce=lambda v: v == "1", widget=forms.RadioSelect)
    note = forms.CharField(label=_("审批意见(驳回必填)"), max_length=1000, required=False)


class CoHandlerForm(forms.Form):
    unit = forms.ChoiceField(label=_("协办单位"))
    task = forms.CharField(label=_("协办事项"), max_length=1000)

    def __init__(self, *args, nodes=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [
            (_("辖区单位"), [(f"n{n.pk}", n.name) for n in nodes]),
            (_("区直部门"), [(f"d{d.pk}", d.name) for d in departments]),
        ]
class MergeForm(forms.Form):
    """Merge this appeal, as a duplicate, into a candidate or into an appeal given by number."""

    into = forms.ChoiceField(label=_("并入"), required=False)
    into_number = forms.CharField(label=_("或输入诉求编号"), max_length=32, required=False)
    reason = forms.CharField(label=_("合并理由"), max_length=1000)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "—")] + [(str(a.pk), f"{a.number} · {a.category.name}") for a in candidates]

    def clean(self):
        data = super().clean()
        if not data.get("into") and not (data.get("into_number") or "").strip():
            raise forms.ValidationError(_("请选择或输入要并入的诉求"))
        return data
