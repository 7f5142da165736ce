from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import (
    MenteeProfile,
    MentoringGroup,
    Municipality,
    Organisation,
    Person,
    ProfileStatus,
    Subject,
)
from .years import bounds_of, current_title, recent_titles


class AnyYesNo(django_filters.widgets.BooleanWidget):
    """«Все / Да / Нет» instead of the default «Неизвестно»."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("Все")), ("true", _("Да")), ("false", _("Нет")))


class PersonFilter(django_filters.FilterSet):
    """The registry's filters. The queryset it receives is already scoped to the user."""

    ROLE_CHOICES = (
        ("mentor", _("Наставник")),
        ("mentee", _("Наставляемый")),
        ("both", _("Наставник и наставляемый")),
        ("neither", _("Не участвует в наставничестве")),
    )

    q = django_filters.CharFilter(label=_("Поиск по ФИО"), method="filter_search")
    municipality = django_filters.ModelChoiceFilter(
        label=_("Муниципалитет"), field_name="organisation__municipality", queryset=Municipality.objects.none()
    )
    # Everyone who works there now, as their main place or an additional one.
    organisation = django_filters.ModelChoiceFilter(
        label=_("Организация"), queryset=Organisation.objects.none(), method="filter_organisation"
    )
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Тип организации"), field_name="organisation__kind", choices=Organisation.Kind.choices
    )
    role = django_filters.ChoiceFilter(label=_("Роль"), choices=ROLE_CHOICES, method="filter_role")
    mentee_category = django_filters.ChoiceFilter(
        label=_("Категория наставляемого"),
        field_name="mentee_profile__category",
        choices=MenteeProfile.Category.choices,
    )
    subject = django_filters.ModelChoiceFilter(
        label=_("Предмет"), queryset=Subject.objects.none(), method="filter_subject"
    )
    qualification_category = django_filters.ChoiceFilter(
        label=_("Квалификационная категория"), choices=Person.Category.choices
    )
    status = django_filters.ChoiceFilter(
        label=_("Статус наставника / наставляемого"), choices=ProfileStatus.choices, method="filter_status"
    )
    young = django_filters.BooleanFilter(
        label=_("Молодые педагоги (стаж до 3 лет)"),
        method="filter_young",
        widget=AnyYesNo(),
    )
    consent = django_filters.BooleanFilter(
        label=_("Согласие на обработку ПДн"),
        method="filter_consent",
        widget=AnyYesNo(),
    )
    without_mentor = django_filters.BooleanFilter(
        label=_("Наставляемые без наставника"),
        method="filter_without_mentor",
        widget=AnyYesNo(),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Сортировка"),
        fields=(
            ("last_name", "name"),
            ("organisation__short_name", "organisation"),
            ("position", "position"),
            ("qualification_category", "category"),
            ("teaching_since", "since"),
        ),
        field_labels={
            "last_name": _("ФИО"),
            "organisation__short_name": _("Организация"),
            "position": _("Должность"),
            "qualification_category": _("Категория"),
            "teaching_since": _("Начало стажа"),
        },
    )

    MAX_ORGANISATION_CHOICES = 300

    class Meta:
        model = Person
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name, filter_ in self.filters.items():
            if name not in {"q", "young", "without_mentor", "consent"}:
                filter_.extra.setdefault("empty_label", _("Все"))
        organisations = Organisation.objects.visible_to(user)
        municipality_ids = organisations.values("municipality_id").distinct()
        self.filters["municipality"].queryset = Municipality.objects.filter(pk__in=municipality_ids)
        self.filters["subject"].queryset = Subject.objects.visible_to(user)
        chosen = self.data.get("municipality") if self.data else None
        if chosen and str(chosen).isdecimal():
            organisations = organisations.filter(municipality_id=chosen)
        elif organisations.count() > self.MAX_ORGANISATION_CHOICES:
            # A region's thousands of schools make a useless (and slow) list: pick the municipality first.
            organisations = organisations.none()
            self.filters["organisation"].extra["empty_label"] = _("Сначала выберите муниципалитет")
        self.filters["organisation"].queryset = organisations.only("short_name")

    @property
    def form(self):
        """The filter form with Bootstrap's classes on its widgets: the page writes it without crispy-forms,
        whose template per option was half of the registry page's time at region scale."""
        form = super().form
        for field in form.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
        return form

    def filter_organisation(self, queryset, name, value):
        return queryset.working_at([value.pk])

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_subject(self, queryset, name, value):
        # A subquery, not a join: a join on the M2M table would repeat people and break the totals.
        return queryset.filter(pk__in=Person.subjects.through.objects.filter(subject=value).values("person_id"))

    def filter_role(self, queryset, name, value):
        mentor, mentee = Q(mentor_profile__isnull=False), Q(mentee_profile__isnull=False)
        return {
            "mentor": queryset.filter(mentor),
            "mentee": queryset.filter(mentee),
            "both": queryset.filter(mentor & mentee),
            "neither": queryset.filter(~mentor & ~mentee),
        }[value]

    def filter_status(self, queryset, name, value):
        return queryset.filter(Q(mentor_profile__status=value) | Q(mentee_profile__status=value))

    def filter_young(self, queryset, name, value):
        if value is True:
            return queryset.young()
        if value is False:
            return queryset.exclude(pk__in=queryset.young().values("pk"))
        return queryset

    def filter_consent(self, queryset, name, value):
        if value is True:
            return queryset.with_consent()
        if value is False:
            return queryset.without_consent()
        return queryset

    def filter_without_mentor(self, queryset, name, value):
        if value is True:
            return queryset.without_mentor()
        if value is False:
            return queryset.filter(mentee_profile__status=ProfileStatus.ACTIVE).exclude(
                pk__in=queryset.without_mentor().values("pk")
            )
        return queryset


class GroupFilter(django_filters.FilterSet):
    """The pair list's filters; the home page links to them («без программы», «ждут приказа»)."""

    status = django_filters.ChoiceFilter(label=_("Статус"), choices=MentoringGroup.Status.choices, empty_label=_("Все"))
    organisation = django_filters.ModelChoiceFilter(
        label=_("Организация"), queryset=Organisation.objects.none(), empty_label=_("Все")
    )
    without_program = django_filters.BooleanFilter(
        label=_("Без программы"), method="filter_without_program", widget=forms.CheckboxInput()
    )
    without_order = django_filters.BooleanFilter(
        label=_("Ждут приказа"), method="filter_without_order", widget=forms.CheckboxInput()
    )
    year = django_filters.ChoiceFilter(label=_("Учебный год"), method="filter_year", empty_label=_("Все годы"))

    class Meta:
        model = MentoringGroup
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        if data is not None and "year" not in data:
            # The current academic year by default; «Все годы» is an explicit choice.
            data = data.copy()
            data["year"] = current_title()
        super().__init__(data, *args, **kwargs)
        self.filters["organisation"].queryset = Organisation.objects.visible_to(user).only("short_name")
        self.filters["year"].extra["choices"] = [(title, title) for title in recent_titles()]

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-select")
        return form

    def filter_without_program(self, queryset, name, value):
        return queryset.without_program() if value else queryset

    def filter_year(self, queryset, name, value):
        """Pairs that ran at some time during the year (by the 1 September calendar of its title)."""
        starts_on, ends_on = bounds_of(value)
        return queryset.filter(start_date__lte=ends_on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=starts_on))

    def filter_without_order(self, queryset, name, value):
        return queryset.filter(status=MentoringGroup.Status.DRAFT, order__isnull=True) if value else queryset
