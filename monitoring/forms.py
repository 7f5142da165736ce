from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring_portal.concurrency import GuardedForm, GuardedInlineFormSet
from mentoring_portal.forms import DateInput, OnlyChoiceMixin
from registry.models import Municipality

from .models import MonitoringPeriod, Question, Questionnaire, Readiness, SchoolReport


class PeriodForm(OnlyChoiceMixin, GuardedForm, forms.ModelForm):
    """A new period; the municipality is asked only of a coordinator of several (``access.period_municipalities``)."""

    class Meta:
        model = MonitoringPeriod
        fields = ["municipality", "title", "starts_on", "ends_on", "deadline"]
        labels = {"municipality": _("Муниципалитет")}
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "deadline": DateInput()}

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_choice("municipality", municipalities)
        if only := self.only_choice("municipality"):
            self.instance.municipality = only

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("Конец периода раньше его начала."))
        return cleaned


class QuestionnaireCreateForm(OnlyChoiceMixin, forms.Form):
    """The municipality a new questionnaire is for, asked only of a coordinator of several."""

    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"),
        queryset=Municipality.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_choice("municipality", municipalities)


class ConclusionsForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = MonitoringPeriod
        fields = ["conclusions", "proposals"]
        widgets = {"conclusions": forms.Textarea(attrs={"rows": 5}), "proposals": forms.Textarea(attrs={"rows": 4})}


class SchoolReportForm(forms.ModelForm):
    class Meta:
        model = SchoolReport
        fields = ["narrative", "difficulties", "best_practice"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ["narrative", "difficulties", "best_practice"]}


class ReadinessForm(GuardedForm, forms.ModelForm):
    website_section_url = forms.URLField(
        label=_("Ссылка на раздел «НАСТАВНИЧЕСТВО» на сайте"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Readiness
        fields = ["regulation_approved_on", "regulation_evidence", "website_section_url"]
        widgets = {"regulation_approved_on": DateInput()}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("regulation_approved_on") and not cleaned.get("regulation_evidence"):
            self.add_error("regulation_evidence", _("Укажите приказ, которым утверждено положение."))
        return cleaned


class QuestionnaireForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["title", "audience", "is_active", "period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = MonitoringPeriod.objects.filter(municipality=self.instance.municipality)
        self.fields["period"].required = False


class QuestionForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = Question
        fields = ["position", "text", "kind"]


QuestionFormSet = forms.inlineformset_factory(
    Questionnaire, Question, form=QuestionForm, formset=GuardedInlineFormSet, extra=2, can_delete=True
)


class AnswerForm(forms.Form):
    """One field per question of the questionnaire."""

    def __init__(self, *args, questionnaire: Questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questionnaire.questions.all())
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == Question.Kind.SCALE:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.text,
                    choices=[(score, str(score)) for score in range(1, 6)],
                    coerce=int,
                    widget=forms.RadioSelect,
                )
            elif question.kind == Question.Kind.YES_NO:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.text, choices=[(1, _("Да")), (0, _("Нет"))], coerce=int, widget=forms.RadioSelect
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.text, required=False, widget=forms.Textarea(attrs={"rows": 3})
                )

    def answers(self) -> dict[int, object]:
        return {question.pk: self.cleaned_data[f"q{question.pk}"] for question in self.questions}
