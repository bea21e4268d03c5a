"""Forms of the survey pages: a new questionnaire, a question, the answer form built from a survey's
questions (used by residents, staff and phone interviews), and the interview's own fields."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QuestionKind, Survey, SurveyLevel


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    level = forms.ChoiceField(label=_("调研层面"), choices=SurveyLevel.choices, widget=forms.RadioSelect,
                              help_text=_("街道层面由街道干部填写,社区层面由社区工作者填写,居民层面由居民在手机上填写"))
    scope = forms.TypedChoiceField(label=_("发放范围"), coerce=int)
    description = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    closes_on = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [("", "—")] + list(scopes)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices, initial=QuestionKind.SINGLE)
    text = forms.CharField(label=_("题目"), max_length=300)
    options = forms.CharField(label=_("选项(每行一个)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("单选、多选题填写;量表、填空题留空"))
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)
    scale_min = forms.IntegerField(label=_("量表最小值"), initial=1, min_value=-10, max_value=10)
    scale_max = forms.IntegerField(label=_("量表最大值"), initial=5, min_value=-10, max_value=10)
    scale_min_label = forms.CharField(label=_("最小值含义"), max_length=20, required=False, initial="很不满意")
    scale_max_label = forms.CharField(label=_("最大值含义"), max_length=20, required=False, initial="很满意")

    def option_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("options", "").splitlines() if line.strip()]


class AnswerForm(forms.Form):
    """One field per question, named ``q<id>`` (the name the services' errors use)."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        for q in survey.questions.all():
            label = f"{q.position}. {q.text}"
            if q.kind == QuestionKind.SINGLE:
                field = forms.TypedChoiceField(label=label, coerce=int, choices=[(o.pk, o.label) for o in q.options.all()],
                                               widget=forms.RadioSelect)
            elif q.kind == QuestionKind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(label=label, coerce=int, choices=[(o.pk, o.label) for o in q.options.all()],
                                                       widget=forms.CheckboxSelectMultiple)
            elif q.kind == QuestionKind.SCALE:
                choices = [(v, str(v)) for v in q.scale_values]
                field = forms.TypedChoiceField(label=label, coerce=int, choices=choices, widget=forms.RadioSelect(attrs={"class": "scale"}),
                                               help_text=f"{q.scale_min} = {q.scale_min_label} · {q.scale_max} = {q.scale_max_label}"
                                               if q.scale_min_label or q.scale_max_label else "")
            else:
                field = forms.CharField(label=label, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
            field.required = q.required
            self.fields[f"q{q.pk}"] = field

    def answers(self) -> dict[int, object]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()
                if name.startswith("q") and name[1:].isdigit()}


class InterviewForm(forms.Form):
    place = forms.TypedChoiceField(label=_("受访人所在社区/网格"), coerce=int)
    interviewee_name = forms.CharField(label=_("受访人"), max_length=50, required=False)
    interviewee_phone = forms.CharField(label=_("受访人电话"), max_length=20, required=False,
                                        help_text=_("加密保存,显示时脱敏"))
    minutes = forms.IntegerField(label=_("通话时长(分钟)"), min_value=0, max_value=600, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "—")] + list(places)
