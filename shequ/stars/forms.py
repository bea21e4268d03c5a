"""Forms of the star-rating pages. The score sheets (one field per item, per star) are read from
the POST data in ``views`` because their fields come from the cycle's stars."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Objection, Rating, StarChange


class FilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    street = forms.TypedChoiceField(label=_("街道/乡镇"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("环节"), required=False, choices=[("", _("全部"))] + list(Rating.Status.choices))
    grade = forms.ChoiceField(label=_("等次"), required=False, choices=[("", _("全部")), ("good", _("好")), ("fair", _("较好")),
                                                                        ("average", _("一般")), ("poor", _("差"))])
    q = forms.CharField(label=_("名称"), max_length=50, required=False)

    def __init__(self, *args, years=(), streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["street"].choices = [("", _("全部"))] + [(s.pk, s.name) for s in streets]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("核查结论"), choices=[(StarChange.Kind.REMOVE, _("减星(立即生效)")),
                                                           (StarChange.Kind.ADD, _("申请增星(报市委审定)"))],
                             widget=forms.RadioSelect, initial=StarChange.Kind.REMOVE)
    star = forms.TypedChoiceField(label=_("星"), coerce=int)
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("依据/佐证"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("核查记录、检查结论、事件通报等"))
    attachment = forms.FileField(label=_("佐证材料(可选)"), required=False)

    def __init__(self, *args, stars=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["star"].choices = [("", "—")] + [(s.pk, s.name) for s in stars]

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if f and f.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 10 MB"))
        return f


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审定"), coerce=lambda v: v == "1",
                                     choices=[("1", _("同意增星")), ("0", _("不同意"))], widget=forms.RadioSelect)
    note = forms.CharField(label=_("意见"), max_length=2000, required=False, help_text=_("不同意时必填"))


class ObjectionForm(forms.Form):
    star = forms.TypedChoiceField(label=_("涉及的星(可选)"), coerce=int, required=False, empty_value=None)
    text = forms.CharField(label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stars=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["star"].choices = [("", _("整体评定"))] + [(s.pk, s.name) for s in stars]


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Objection.Outcome.choices, widget=forms.RadioSelect)
    answer = forms.CharField(label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    remove_star = forms.BooleanField(label=_("异议成立,据此减去所涉及的星"), required=False)


class CycleForm(forms.Form):
    """A new rating year; thresholds start at the SPEC defaults (stars are copied from the last year)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    mass_start = forms.DateField(label=_("群众测评开始"), widget=forms.DateInput(attrs={"type": "date"}))
    mass_end = forms.DateField(label=_("群众测评结束"), widget=forms.DateInput(attrs={"type": "date"}))
    publicity_days = forms.IntegerField(label=_("公示期(天)"), min_value=1, max_value=60, initial=7)
    good_min = forms.IntegerField(label=_("“好”最少星数"), min_value=1, max_value=50, initial=8)
    fair_min = forms.IntegerField(label=_("“较好”最少星数"), min_value=1, max_value=50, initial=7)
    average_min = forms.IntegerField(label=_("“一般”最少星数"), min_value=1, max_value=50, initial=5)
    wuhao_min = forms.IntegerField(label=_("推荐“五好党支部”最少星数"), min_value=1, max_value=50, initial=7)
    city_min = forms.IntegerField(label=_("推荐市级先进基层党组织最少星数"), min_value=1, max_value=50, initial=8)
    region_min = forms.IntegerField(label=_("推荐自治区级先进基层党组织最少星数"), min_value=1, max_value=50, initial=10)
