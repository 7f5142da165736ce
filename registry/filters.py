from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Person, Subject


class PersonFilter(django_filters.FilterSet):
    """The registry's filters. The queryset it receives is already scoped to the user."""

    q = django_filters.CharFilter(label=_("Поиск по ФИО"), method="filter_search")
    organisation = django_filters.ModelChoiceFilter(label=_("Организация"), queryset=Organisation.objects.none())
    organisation_kind = django_filters.ChoiceFilter(
        label=_("Тип организации"), field_name="organisation__kind", choices=Organisation.Kind.choices
    )
    subject = django_filters.ModelChoiceFilter(
        label=_("Предмет"), field_name="subjects", queryset=Subject.objects.all()
    )
    qualification_category = django_filters.ChoiceFilter(
        label=_("Квалификационная категория"), choices=Person.Category.choices
    )
    young = django_filters.BooleanFilter(
        label=_("Молодые педагоги (стаж до 3 лет)"),
        method="filter_young",
        widget=django_filters.widgets.BooleanWidget(),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Сортировка"),
        fields=(
            ("last_name", "name"),
            ("organisation__short_name", "organisation"),
            ("position", "position"),
            ("teaching_since", "since"),
        ),
        field_labels={
            "last_name": _("ФИО"),
            "organisation__short_name": _("Организация"),
            "position": _("Должность"),
            "teaching_since": _("Начало стажа"),
        },
    )

    class Meta:
        model = Person
        fields = ["q", "organisation", "organisation_kind", "subject", "qualification_category", "young"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = Organisation.objects.visible_to(user).only("short_name")

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_young(self, queryset, name, value):
        if value is True:
            return queryset.young()
        if value is False:
            return queryset.exclude(pk__in=queryset.young().values("pk"))
        return queryset
