from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Municipality, Organisation, Person, scope_of


class DateInput(forms.DateInput):
    """The browser's date picker; it shows dd.mm.yyyy to a Russian user and sends ISO."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("Сайт"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["municipality", "kind", "full_name", "short_name", "address", "phone", "email", "website"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        municipalities = Municipality.objects.all()
        if not scope.is_superuser:
            municipalities = municipalities.filter(pk__in=scope.municipality_ids)
        if self.instance.pk and not scope.is_superuser and self.instance.municipality_id not in scope.municipality_ids:
            # A director edits the card of the school, not its place in the municipality.
            del self.fields["municipality"]
        else:
            self.fields["municipality"].queryset = municipalities
            if len(scope.municipality_ids) == 1 and not self.instance.pk:
                self.fields["municipality"].initial = next(iter(scope.municipality_ids))


class PersonForm(forms.ModelForm):
    experience_years = forms.IntegerField(
        label=_("Педагогический стаж, полных лет"),
        min_value=0,
        max_value=60,
        required=False,
        help_text=_("Заполните, если не знаете даты начала стажа: дата будет рассчитана от сегодняшнего дня."),
    )

    class Meta:
        model = Person
        fields = [
            "organisation",
            "last_name",
            "first_name",
            "middle_name",
            "position",
            "subjects",
            "qualification_category",
            "teaching_since",
            "experience_years",
            "email",
            "phone",
            "consent_date",
            "consent_document",
        ]
        widgets = {
            "teaching_since": DateInput(),
            "consent_date": DateInput(),
            "subjects": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.staffed_by(user).only("short_name")
        staffed = self.fields["organisation"].queryset
        if not self.instance.pk and staffed.count() == 1:
            self.fields["organisation"].initial = staffed.first()

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_middle_name(self):
        return " ".join(self.cleaned_data["middle_name"].split())

    def clean_teaching_since(self):
        value = self.cleaned_data.get("teaching_since")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата начала стажа не может быть в будущем."))
        return value

    def clean_consent_date(self):
        value = self.cleaned_data.get("consent_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата согласия не может быть в будущем."))
        return value

    def clean(self):
        cleaned = super().clean()
        years = cleaned.get("experience_years")
        since = cleaned.get("teaching_since")
        if years is not None and since is not None:
            if self.instance.experience_years_from(since) != years:
                self.add_error(
                    "experience_years",
                    _("Стаж не совпадает с датой начала стажа. Оставьте одно из двух полей."),
                )
        elif years is not None:
            today = timezone.localdate()
            try:
                cleaned["teaching_since"] = today.replace(year=today.year - years)
            except ValueError:
                cleaned["teaching_since"] = datetime.date(today.year - years, 2, 28)
        return cleaned
