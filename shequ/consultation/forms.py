"""Forms of the consultation pages: one small form per step of the procedure."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ParticipantKind, Topic

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class TopicFilterForm(forms.Form):
    q = forms.CharField(label=_("议题或编号"), max_length=60, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Topic.Status.choices))
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + list(Topic.Kind.choices))


class TopicForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区/村"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=Topic.Kind.choices)
    title = forms.CharField(label=_("议题"), max_length=120)
    description = forms.CharField(label=_("议题说明"), widget=forms.Textarea(attrs={"rows": 4}))
    raised_by = forms.ChoiceField(label=_("提出方"), choices=Topic.RaisedBy.choices, initial=Topic.RaisedBy.COMMITTEE)
    raiser_id_number = forms.CharField(label=_("提出居民的身份证号或电话"), max_length=20, required=False,
                                       help_text=_("提出方为居民时填写,按居民库查找"))
    raised_by_unit = forms.TypedChoiceField(label=_("提出单位"), coerce=int, required=False, empty_value=None)
    vote_basis = forms.ChoiceField(label=_("表决方式"), choices=Topic.VoteBasis.choices)
    covenant_text = forms.CharField(label=_("公约草案"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, communities=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = list(communities)
        self.fields["raised_by_unit"].choices = [("", "—")] + list(units)


class AcceptForm(forms.Form):
    required_kinds = forms.MultipleChoiceField(label=_("须参加协商的主体"), choices=ParticipantKind.choices,
                                               widget=forms.CheckboxSelectMultiple)
    vote_basis = forms.ChoiceField(label=_("表决方式"), choices=Topic.VoteBasis.choices)
    quorum_percent = forms.IntegerField(label=_("有效表决比例(%)"), min_value=0, max_value=100, required=False,
                                        help_text=_("不填:公约按户 67%、按人 50%,其他议题不设"))
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionForm(forms.Form):
    text = forms.CharField(label=_("方案"), max_length=300)


class DraftForm(forms.Form):
    covenant_text = forms.CharField(label=_("公约草案"), widget=forms.Textarea(attrs={"rows": 8}))


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(label=_("召开时间"), widget=DT)
    place = forms.CharField(label=_("地点"), max_length=150, required=False)
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 4}))


class ParticipantForm(forms.Form):
    kind = forms.ChoiceField(label=_("参加主体"), choices=[("", "—")] + list(ParticipantKind.choices), required=False)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    organization = forms.CharField(label=_("所在单位/身份"), max_length=100, required=False)


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=6, max_num=40)


class VoteOpenForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("表决截止时间"), widget=DT)


class PaperVoteForm(forms.Form):
    voter = forms.CharField(label=_("投票居民的身份证号或电话"), max_length=20)
    option = forms.TypedChoiceField(label=_("方案"), coerce=int)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(o.pk, f"{o.order}. {o.text}") for o in options]


class DecideForm(forms.Form):
    decision = forms.CharField(label=_("协商结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    text = forms.CharField(label=_("落实事项"), max_length=300)
    owner = forms.CharField(label=_("责任单位/人"), max_length=100)
    deadline = forms.DateField(label=_("完成期限"), widget=DATE)


class FileForm(forms.Form):
    filing_number = forms.CharField(label=_("备案文号"), max_length=60)


class ResultForm(forms.Form):
    result = forms.CharField(label=_("落实情况"), max_length=2000)


class VoteForm(forms.Form):
    option = forms.TypedChoiceField(label=_("我的选择"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(o.pk, o.text) for o in options]


class ProposeForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=120)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 4}))
