"""Forms of the curator's working day: pairs and groups, consents, orders, programs."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring_portal.concurrency import VERSION_FIELD, GuardedForm, GuardedInlineFormSet
from mentoring_portal.forms import DateInput, OnlyChoiceMixin

from .models import (
    Activity,
    EndReason,
    MentoringForm,
    MentoringGroup,
    MentoringKind,
    MentoringOrder,
    Organisation,
    PauseReason,
    Person,
    ProfileStatus,
    Program,
)
from .services import check_dates, check_program_period


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return f"{person.full_name} — {person.position}, {person.organisation.short_name}"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, person: Person) -> str:
        return f"{person.full_name} — {person.position}"


class GroupForm(OnlyChoiceMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("Организация"), queryset=Organisation.objects.none())
    mentor = PersonChoiceField(label=_("Наставник"), queryset=Person.objects.none())
    mentees = PeopleChoiceField(
        label=_("Наставляемые"),
        queryset=Person.objects.none(),
        help_text=_("Один наставляемый — пара, два и больше — группа."),
    )
    form = forms.ChoiceField(label=_("Форма наставничества"), choices=MentoringForm.choices)
    kinds = forms.MultipleChoiceField(
        label=_("Виды наставничества"), choices=MentoringKind.choices, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(label=_("Дата начала"), widget=DateInput())
    planned_end_date = forms.DateField(label=_("Плановая дата окончания"), widget=DateInput())

    def __init__(self, *args, organisations, **kwargs):
        """``organisations``: where the user may form pairs (``access.managed_organisations``)."""
        super().__init__(*args, **kwargs)
        self.limit_choice("organisation", organisations)
        municipality_ids = organisations.values("municipality_id")
        self.fields["mentor"].queryset = (
            Person.objects.filter(mentor_profile__status=ProfileStatus.ACTIVE, consent_date__isnull=False)
            .filter(
                Q(organisation__in=organisations)
                | Q(mentor_profile__open_mentoring=True, organisation__municipality_id__in=municipality_ids)
            )
            .select_related("organisation")
        )
        self.fields["mentees"].queryset = Person.objects.filter(
            organisation__in=organisations, mentee_profile__status=ProfileStatus.ACTIVE
        ).select_related("organisation")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("planned_end_date")
        if start and end:
            try:
                check_dates(start, end)
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ConsentsForm(GuardedForm, forms.Form):
    """One date per participant; the scans themselves are kept in the banks. Guarded by the group's
    version: ``group_record_consents`` saves the group with every change of the dates."""

    def __init__(self, *args, group: MentoringGroup, **kwargs):
        super().__init__(*args, guard=group, **kwargs)
        self.group = group
        self.fields["mentor"] = forms.DateField(
            label=_("Согласие наставника %(name)s") % {"name": group.mentor.full_name},
            required=False,
            widget=DateInput(),
            initial=group.mentor_consent_date,
        )
        for participation in group.participations.all():
            self.fields[f"mentee_{participation.mentee_id}"] = forms.DateField(
                label=_("Согласие наставляемого %(name)s") % {"name": participation.mentee.full_name},
                required=False,
                widget=DateInput(),
                initial=participation.consent_date,
            )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        for name, value in cleaned.items():
            if name != VERSION_FIELD and value and value > today:
                self.add_error(name, _("Дата согласия не может быть в будущем."))
        return cleaned

    def mentee_consents(self) -> dict[int, object]:
        return {
            int(name.removeprefix("mentee_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("mentee_")
        }


class OrderRegistrationForm(forms.Form):
    """What the director enters when signing: the registration number and date, and the signer's name."""

    number = forms.CharField(label=_("Номер приказа"), max_length=50)
    date = forms.DateField(label=_("Дата приказа"), widget=DateInput())
    signed_by = forms.CharField(label=_("Руководитель (ФИО для подписи)"), max_length=255)

    def clean_number(self):
        return " ".join(self.cleaned_data["number"].split()).removeprefix("№").strip()

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата приказа не может быть в будущем."))
        return value

    def registration(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("number", "date", "signed_by")}


class OrderForm(OnlyChoiceMixin, OrderRegistrationForm):
    """A new order: the curator's draft (the pairs only), or a director's order signed at once."""

    organisation = forms.ModelChoiceField(label=_("Организация"), queryset=Organisation.objects.none())
    groups = forms.ModelMultipleChoiceField(
        label=_("Пары и группы, которые закрепляет приказ"),
        queryset=MentoringGroup.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["organisation", "groups", "number", "date", "signed_by"]

    def __init__(self, *args, organisations, signable=None, signs: bool = True, **kwargs):
        """``organisations``: whose orders the user may prepare; their draft pairs not in a draft yet are
        offered. ``signable``: whose orders the user signs, if any: then the form also asks for the
        registration, and ``signs`` says whether this submission signs the order or saves the draft
        (the registration is then left out)."""
        super().__init__(*args, **kwargs)
        self.signable = signable
        self.signs = signable is not None and signs
        for name in ("number", "date", "signed_by"):
            if signable is None:
                del self.fields[name]
            elif not self.signs:
                self.fields[name].required = False
        self.limit_choice("organisation", organisations)
        self.only_organisation = self.only_choice("organisation")
        self.fields["groups"].queryset = (
            MentoringGroup.objects.filter(
                organisation__in=organisations, status=MentoringGroup.Status.DRAFT, order__isnull=True
            )
            .select_related("mentor", "organisation")
            .prefetch_related("mentees")
        )
        several = self.only_organisation is None

        def label(group: MentoringGroup) -> str:
            text = _("%(mentor)s → %(mentees)s") % {
                "mentor": group.mentor.full_name,
                "mentees": ", ".join(mentee.full_name for mentee in group.mentees.all()),
            }
            return f"{text} ({group.organisation.short_name})" if several else text

        self.fields["groups"].label_from_instance = label

    def clean(self):
        cleaned = super().clean()
        organisation, groups = cleaned.get("organisation"), cleaned.get("groups")
        if organisation and groups and any(group.organisation_id != organisation.pk for group in groups):
            self.add_error("groups", _("Приказ закрепляет только пары своей организации."))
        if organisation and self.signs and not self.signable.filter(pk=organisation.pk).exists():
            self.add_error(
                None,
                _("Приказ этой организации подписывает её руководитель: сохраните проект приказа, он подпишет его."),
            )
        return cleaned

    def registration(self) -> dict:
        return super().registration() if self.signs else {}


class OrderSignForm(GuardedForm, OrderRegistrationForm):
    """The director's signature on a draft, guarded by the draft's version: a pair that left the draft
    after the page was opened makes the form stale, so the director signs what they saw."""

    def __init__(self, *args, order: MentoringOrder, **kwargs):
        super().__init__(*args, guard=order, **kwargs)


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Причина прекращения"), choices=EndReason.choices)
    note = forms.CharField(label=_("Пояснение"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    ended_on = forms.DateField(label=_("Дата прекращения"), widget=DateInput(), initial=timezone.localdate)


class PauseForm(forms.Form):
    """«Поставить на паузу»: from a date, with a reason; the service checks the dates."""

    starts_on = forms.DateField(label=_("На паузе с"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("Причина паузы"), choices=PauseReason.choices)
    note = forms.CharField(label=_("Пояснение"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_pause_%s")  # beside the other forms of the pair's page
        super().__init__(*args, **kwargs)


class ResumeForm(forms.Form):
    ends_on = forms.DateField(label=_("Возобновить с"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_resume_%s")
        super().__init__(*args, **kwargs)


class MentorChangeForm(forms.Form):
    """«Сменить наставника»: who, from when, and the date of their written consent. The present mentor is
    offered too, so choosing them is told apart from an unknown choice."""

    mentor = PersonChoiceField(label=_("Новый наставник"), queryset=Person.objects.none())
    starts_on = forms.DateField(label=_("Принимает пару с"), widget=DateInput(), initial=timezone.localdate)
    consent_date = forms.DateField(
        label=_("Дата письменного согласия нового наставника"), widget=DateInput(), initial=timezone.localdate
    )

    def __init__(self, *args, group: MentoringGroup, **kwargs):
        kwargs.setdefault("auto_id", "id_mentor_change_%s")
        super().__init__(*args, **kwargs)
        organisation = group.organisation
        self.fields["mentor"].queryset = (
            Person.objects.filter(mentor_profile__isnull=False)
            .filter(
                Q(organisation=organisation)
                | Q(
                    mentor_profile__open_mentoring=True,
                    organisation__municipality_id=organisation.municipality_id,
                )
            )
            .select_related("organisation")
            .order_by("last_name", "first_name", "pk")
        )


class ProgramForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "title",
            "start_date",
            "end_date",
            "difficulties",
            "strengths",
            "goals",
            "expected_results",
            "status",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "difficulties": forms.Textarea(attrs={"rows": 3}),
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "expected_results": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].required = True
        self.fields["end_date"].required = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            try:
                check_program_period(start, end)
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return cleaned


class ActivityForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["position", "title", "due_date", "form", "responsible"]
        widgets = {"due_date": DateInput()}


ActivityFormSet = inlineformset_factory(
    Program, Activity, form=ActivityForm, formset=GuardedInlineFormSet, extra=3, can_delete=True
)


class ProgramResultForm(GuardedForm, forms.ModelForm):
    """The mentor's (or curator's) part of the results; the mentee's self-assessment is not in it."""

    class Meta:
        model = Program
        fields = ["result", "mentor_assessment", "status"]
        widgets = {
            "result": forms.Textarea(attrs={"rows": 3}),
            "mentor_assessment": forms.Textarea(attrs={"rows": 3}),
        }


class SelfAssessmentForm(GuardedForm, forms.ModelForm):
    """What the mentee writes about their own progress, only they."""

    class Meta:
        model = Program
        fields = ["mentee_self_assessment"]
        labels = {"mentee_self_assessment": _("Моя самооценка")}
        widgets = {"mentee_self_assessment": forms.Textarea(attrs={"rows": 4})}


class ActivityDoneForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["done_on", "note"]
        widgets = {"done_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def clean_done_on(self):
        value = self.cleaned_data.get("done_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата выполнения не может быть в будущем."))
        return value


class FromBankForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Программа из банка"), queryset=Program.objects.none())
    start_date = forms.DateField(label=_("Начало новой программы"), widget=DateInput())

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Program.objects.filter(organisation=organisation, in_bank=True)
