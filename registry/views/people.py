from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from mentoring_portal.concurrency import save_or_stale
from mentoring_portal.desk import Desk, fill
from mentoring_portal.exporters import stored_file

from ..access import (
    can_create_organisation,
    can_edit_vocabulary,
    can_export_personal_data,
    can_manage_workplaces,
    can_merge_people,
    can_read_orders_of,
    can_transfer,
    get_coordinated_municipality_for,
    get_organisation_for,
    get_person_for,
    is_own_person,
)
from ..audit import person_log
from ..careers import places_of
from ..desk import blocks_for, organisation_table, people_totals
from ..exporters import OrganisationSummaryExport, RegistryExport
from ..filters import PersonFilter
from ..forms import (
    MenteeProfileForm,
    MentorProfileForm,
    OrganisationForm,
    PersonForm,
    VocabularyTermForm,
    WithdrawalForm,
)
from ..models import (
    Membership,
    MenteeProfile,
    MentoringGroup,
    MentorProfile,
    Organisation,
    Person,
    Role,
    VocabularyTerm,
    young_teacher_threshold,
)
from ..personal_data import PersonalDataExport, withdraw_consent


def _page(request, queryset):
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def home(request):
    """What waits for this person, one block per role and place, each line a link to where it is done."""
    desk = fill(Desk(request.user, blocks_for(request.user), sort=request.GET.get("sort", "name")))
    request.desk_counts = desk.menu_counts()  # the menu's badges, without counting twice
    context = {"desk": desk}
    if request.user.is_superuser and not desk.blocks:
        context["totals"] = people_totals(Person.objects.all(), desk.today)
        context["organisation_count"] = Organisation.objects.count()
    return render(request, "registry/home.html", context)


def organisation_summary_export(request, pk: int):
    """The municipal home page's table of organisations as xlsx, sorted as the page was."""
    municipality = get_coordinated_municipality_for(request.user, pk)
    organisations = list(municipality.organisations.only("short_name", "kind", "municipality_id"))
    table = organisation_table(organisations, timezone.localdate(), request.GET.get("sort", "name"))
    return OrganisationSummaryExport().response(municipality, table)


def organisation_list(request):
    organisations = (
        Organisation.objects.visible_to(request.user)
        .select_related("municipality")
        .annotate(
            people_count=Count("people", distinct=True),
            mentor_count=Count("people__mentor_profile", distinct=True),
            mentee_count=Count("people__mentee_profile", distinct=True),
        )
        .order_by("municipality__name", "short_name")
    )
    kind = request.GET.get("kind")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "registry/organisation_list.html",
        {
            "page": _page(request, organisations),
            "kinds": Organisation.Kind.choices,
            "kind": kind,
            "can_create": can_create_organisation(request.user),
        },
    )


def organisation_detail(request, pk: int):
    organisation = get_organisation_for(request.user, pk)
    people = Person.objects.visible_to(request.user).working_at([organisation.pk])
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "organisation": organisation,
            "totals": people.aggregate(
                people=Count("pk"), mentors=Count("mentor_profile"), mentees=Count("mentee_profile")
            ),
            "staff": Membership.objects.filter(organisation=organisation, role__in=[Role.DIRECTOR, Role.CURATOR])
            .select_related("user")
            .order_by("role"),
            "can_edit": Organisation.objects.manageable_by(request.user).filter(pk=pk).exists(),
            "can_add_people": Organisation.objects.staffed_by(request.user).filter(pk=pk).exists(),
            "can_read_orders": can_read_orders_of(request.user, organisation),
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_create(request):
    if not can_create_organisation(request.user):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, request.FILES or None, user=request.user)
    if form.is_valid():
        organisation = form.save()
        messages.success(request, _("Организация «%(name)s» добавлена.") % {"name": organisation.short_name})
        return redirect(organisation)
    return render(request, "registry/organisation_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def organisation_update(request, pk: int):
    organisation = get_organisation_for(request.user, pk, write=True)
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=organisation, user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("Изменения сохранены."))
        return redirect(organisation)
    return render(request, "registry/organisation_form.html", {"form": form, "organisation": organisation})


def filtered_people(request):
    """The registry's people for this user and these filters: the page and the export read the same set."""
    people = Person.objects.visible_to(request.user)
    person_filter = PersonFilter(request.GET or None, queryset=people, user=request.user)
    filtered = person_filter.qs if person_filter.is_bound and person_filter.is_valid() else people
    if not request.GET.get("ordering"):
        filtered = filtered.order_by("last_name", "first_name", "middle_name", "pk")
    return person_filter, filtered


SORT_COLUMNS = [
    ("name", _lazy("ФИО")),
    ("organisation", _lazy("Организация")),
    ("position", _lazy("Должность")),
    ("category", _lazy("Категория")),
    ("since", _lazy("Стаж")),
]


def person_list(request):
    person_filter, filtered = filtered_people(request)
    # One scan of the filtered set gives the totals and the paginator's count.
    totals = filtered.order_by().aggregate(
        total=Count("pk"),
        mentors=Count("mentor_profile"),
        mentees=Count("mentee_profile"),
        young=Count("pk", filter=Q(teaching_since__gt=young_teacher_threshold())),
    )
    paginator = CountedPaginator(
        filtered.select_related("organisation", "mentor_profile", "mentee_profile").prefetch_related("subjects"),
        settings.PAGE_SIZE,
        count=totals["total"],
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "registry/person_list.html",
        {
            "filter": person_filter,
            "page": page,
            "total": totals["total"],
            "totals": totals,
            "ordering": request.GET.get("ordering", ""),
            "sort_columns": SORT_COLUMNS,
            "can_create": Organisation.objects.staffed_by(request.user).exists(),
        },
    )


class CountedPaginator(Paginator):
    """A paginator told its count, when the view has already counted the rows."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count


def person_export(request):
    _, filtered = filtered_people(request)
    return RegistryExport().response(filtered)


def person_detail(request, pk: int):
    person = get_person_for(request.user, pk)
    groups = (
        MentoringGroup.objects.visible_to(request.user)
        .filter(Q(mentor=person) | Q(participations__mentee=person))
        .select_related("mentor", "organisation")
        .prefetch_related("mentees")
        .distinct()
        .order_by("-start_date", "-created_at")
    )
    mentor = getattr(person, "mentor_profile", None)
    mentee = getattr(person, "mentee_profile", None)
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "subjects": person.subjects.all(),
            "mentor": mentor,
            "mentee": mentee,
            "competencies": mentor.competencies.all() if mentor else [],
            "achievements": mentor.achievements.all() if mentor else [],
            "requests": mentee.requests.all() if mentee else [],
            "groups": groups,
            "can_edit": Person.objects.manageable_by(request.user).filter(pk=pk).exists(),
            "history": person_log(person),
            "is_own": is_own_person(request.user, person),
            "places": places_of(person),
            "can_manage_workplaces": can_manage_workplaces(request.user, person),
            "can_transfer": can_transfer(request.user, person),
            "can_merge": can_merge_people(request.user, person),
        },
    )


@require_http_methods(["GET", "POST"])
def person_create(request):
    if not Organisation.objects.staffed_by(request.user).exists():
        raise PermissionDenied
    initial = {}
    if organisation_id := request.GET.get("organisation"):
        initial["organisation"] = organisation_id
    form = PersonForm(request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        person = form.save()
        messages.success(request, _("Педагог %(name)s добавлен в реестр.") % {"name": person.full_name})
        return redirect(person)
    return render(request, "registry/person_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def person_update(request, pk: int):
    person = get_person_for(request.user, pk, write=True)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("Изменения сохранены."))
        return redirect(person)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


PROFILE_FORMS = {"mentor": (MentorProfile, MentorProfileForm), "mentee": (MenteeProfile, MenteeProfileForm)}


@require_http_methods(["GET", "POST"])
def profile_edit(request, pk: int, kind: str):
    """Put a person into the mentor or mentee bank, or edit their entry there."""
    person = get_person_for(request.user, pk, write=True)
    model, form_class = PROFILE_FORMS[kind]
    profile = model.objects.filter(person=person).first() or model(person=person)
    form = form_class(request.POST or None, request.FILES or None, instance=profile, user=request.user)
    if form.is_valid() and save_or_stale(form):
        messages.success(request, _("Данные банка сохранены."))
        return redirect(person)
    return render(request, "registry/profile_form.html", {"form": form, "person": person, "kind": kind})


def consent_scan(request, pk: int, kind: str):
    """The scan of a consent, only through this view: scoped like the person it belongs to."""
    person = get_person_for(request.user, pk)
    model, _form = PROFILE_FORMS[kind]
    profile = model.objects.filter(person=person).exclude(consent_scan="").first()
    if profile is None:
        raise Http404
    return stored_file(profile.consent_scan, f"Согласие {person.short_name}", private=True)


def curator_list(request):
    """The curators base: who runs mentoring where, with contacts."""
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(role__in=[Role.COORDINATOR, Role.HEAD, Role.DIRECTOR, Role.CURATOR])
        .select_related("user", "municipality", "organisation__municipality")
        .order_by("role", "municipality__name", "organisation__short_name", "user__last_name")
    )
    return render(request, "registry/curator_list.html", {"memberships": memberships})


@require_http_methods(["GET", "POST"])
def vocabulary_list(request):
    if not can_edit_vocabulary(request.user):
        raise PermissionDenied
    form = VocabularyTermForm(request.POST or None, user=request.user)
    if form.is_valid():
        term = form.save()
        messages.success(request, _("Пункт «%(name)s» добавлен в справочник.") % {"name": term.name})
        return redirect("registry:vocabulary_list")
    terms = VocabularyTerm.objects.visible_to(request.user).select_related("municipality")
    return render(request, "registry/vocabulary_list.html", {"form": form, "terms": terms})


def person_data_export(request, pk: int):
    """Everything the portal holds on a person: for those who manage the card, and for the person."""
    person = get_person_for(request.user, pk)
    if not can_export_personal_data(request.user, person):
        raise PermissionDenied

    return PersonalDataExport().response(person)


@require_http_methods(["GET", "POST"])
def person_withdraw(request, pk: int):
    """Consent withdrawn: the card is anonymised, the counts stay."""
    person = get_person_for(request.user, pk, write=True)
    form = WithdrawalForm(request.POST or None)
    if form.is_valid():
        try:
            withdraw_consent(user=request.user, person=person, withdrawn_on=form.cleaned_data["withdrawn_on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Согласие отозвано, данные педагога обезличены."))
            return redirect(person)
    return render(request, "registry/person_withdraw.html", {"person": person, "form": form})
