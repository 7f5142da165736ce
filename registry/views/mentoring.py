"""The curator's working day: pairs and groups, consents, orders, programs and their progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mentoring_portal.forms import error_text, form_errors
from mentoring_portal.navigation import redirect_back

from ..access import (
    can_edit_program,
    can_form_groups,
    can_manage_group,
    can_mark_progress,
    can_prepare_order,
    can_self_assess,
    can_sign_for,
    can_sign_order,
    can_withdraw_order,
    get_curator_role_for,
    get_group_for,
    get_order_for,
    get_person_for,
    get_program_for,
    managed_organisations,
    signing_organisations,
)
from ..audit import group_log, program_log
from ..documents import ConsentDocument, CuratorOrderDocument, OrderDocument, ProgramDocument
from ..filters import GroupFilter
from ..mentoring_forms import (
    ActivityDoneForm,
    ActivityFormSet,
    ConsentsForm,
    EndForm,
    FromBankForm,
    GroupForm,
    MentorChangeForm,
    OrderForm,
    OrderSignForm,
    PauseForm,
    ProgramForm,
    ProgramResultForm,
    ResumeForm,
    SelfAssessmentForm,
)
from ..models import (
    Activity,
    MentoringGroup,
    MentoringOrder,
    Participation,
    Person,
    Program,
)
from ..models.mentoring import director_name
from ..services import (
    group_complete,
    group_create,
    group_end_early,
    group_mentor_change,
    group_pause,
    group_record_consents,
    group_resume,
    mentor_periods,
    order_issue,
    order_prepare,
    order_sign,
    order_withdraw,
    program_copy_from_bank,
    program_limit,
    program_put_in_bank,
    program_save,
    propose_mentors,
    resumed_note,
)
from .people import _page


# --- pairs and groups ------------------------------------------------------------------------
def group_list(request):
    groups = (
        MentoringGroup.objects.visible_to(request.user)
        .select_related("organisation", "mentor", "order", "program")
        .prefetch_related(Prefetch("participations", queryset=Participation.objects.select_related("mentee")))
        .annotate(
            activities_total=Count("program__activities", distinct=True),
            activities_done=Count(
                "program__activities", filter=Q(program__activities__done_on__isnull=False), distinct=True
            ),
            activities_overdue=Count(
                "program__activities",
                filter=Q(
                    program__activities__done_on__isnull=True, program__activities__due_date__lt=timezone.localdate()
                ),
                distinct=True,
            ),
        )
        .order_by("status", "-start_date", "pk")
    )
    group_filter = GroupFilter(request.GET, queryset=groups, user=request.user)
    return render(
        request,
        "registry/group_list.html",
        {
            "page": _page(request, group_filter.qs),
            "filter": group_filter,
            "can_manage": can_form_groups(request.user),
        },
    )


def group_match(request):
    """Mentors proposed for one mentee, ranked, each with why it fits; the curator decides."""
    if not can_form_groups(request.user):
        raise PermissionDenied
    mentees = Person.objects.filter(
        organisation__in=managed_organisations(request.user), mentee_profile__status="active"
    ).order_by("last_name", "first_name")
    mentee = None
    proposals = []
    if (mentee_id := request.GET.get("mentee", "")).isdecimal():
        mentee = get_object_or_404(mentees, pk=mentee_id)
        proposals = propose_mentors(mentee=mentee)
    return render(request, "registry/group_match.html", {"mentees": mentees, "mentee": mentee, "proposals": proposals})


@require_http_methods(["GET", "POST"])
def group_create_view(request):
    if not can_form_groups(request.user):
        raise PermissionDenied
    initial = {"form": "teacher_teacher", "kinds": ["traditional"]}
    if mentor := request.GET.get("mentor"):
        initial["mentor"] = mentor
    if mentee := request.GET.get("mentee"):
        initial["mentees"] = [mentee]
    form = GroupForm(request.POST or None, organisations=managed_organisations(request.user), initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            group = group_create(
                user=request.user,
                organisation=data["organisation"],
                mentor=data["mentor"],
                mentees=list(data["mentees"]),
                form=data["form"],
                kinds=data["kinds"],
                start_date=data["start_date"],
                planned_end_date=data["planned_end_date"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Пара сформирована. Внесите согласия участников."))
            return redirect(group)
    return render(request, "registry/group_form.html", {"form": form})


def group_detail(request, pk: int):
    return _group_page(request, get_group_for(request.user, pk))


def _group_page(request, group: MentoringGroup, **forms):
    """The pair's page; ``forms`` are refused ones shown again with their messages (``status`` 200)."""
    participations = group.participations.select_related("mentee")
    program = Program.objects.filter(group=group).first()
    return render(
        request,
        "registry/group_detail.html",
        {
            "group": group,
            "participations": participations,
            "events": group.events.select_related("user"),
            "program": program,
            "can_manage": can_manage_group(request.user, group),
            "consents_form": ConsentsForm(group=group),
            "end_form": EndForm(),
            "bank_form": FromBankForm(organisation=group.organisation),
            "history": group_log(group),
            **_over_time(group, program),
            **forms,
        },
    )


def _over_time(group: MentoringGroup, program: Program | None) -> dict:
    """The pair's mentors with dates, its pauses, a mentor change waiting for signature, and its forms."""
    pauses = list(group.pauses.all())
    for pause in pauses:
        pause.summary = resumed_note(pause) if pause.ends_on else ""
    return {
        "mentor_periods": mentor_periods(group),
        "pauses": pauses,
        "pending_change": group.mentor_periods.pending().select_related("mentor", "order").first(),
        "end_limit": program_limit(program) if program else None,
        "pause_form": PauseForm(),
        "resume_form": ResumeForm(),
        "mentor_form": MentorChangeForm(group=group),
    }


def _group_write(request, pk: int, form_class, name: str, service, *, with_group: bool = False):
    """A POST of one of the pair's forms: ``(result, None)`` from the service, or ``(None, the page again)``
    with the messages next to the fields; the service writes all or nothing."""
    group = get_group_for(request.user, pk, write=True)
    form = form_class(request.POST, **({"group": group} if with_group else {}))
    if form.is_valid():
        try:
            return service(user=request.user, group=group, **form.cleaned_data), None
        except ValidationError as error:
            form.add_error(None, error)
    return None, _group_page(request, group, **{name: form})


@require_POST
def group_pause_view(request, pk: int):
    """«Поставить на паузу»: the curator or director, from a date, with a reason."""
    pause, refused = _group_write(request, pk, PauseForm, "pause_form", group_pause)
    if refused:
        return refused
    messages.success(request, _("Пара поставлена на паузу с %(date)s.") % {"date": f"{pause.starts_on:%d.%m.%Y}"})
    return redirect(pause.group)


@require_POST
def group_resume_view(request, pk: int):
    """«Возобновить»: the end moves by the pause's length; the message says when the year's limit stopped it."""
    pause, refused = _group_write(request, pk, ResumeForm, "resume_form", group_resume)
    if refused:
        return refused
    (messages.warning if pause.limit_reached else messages.success)(request, resumed_note(pause))
    return redirect(pause.group)


@require_POST
def group_mentor_change_view(request, pk: int):
    """«Сменить наставника»: a draft order for the director; the pair changes when it is signed."""
    order, refused = _group_write(request, pk, MentorChangeForm, "mentor_form", group_mentor_change, with_group=True)
    if refused:
        return refused
    messages.success(
        request,
        _(
            "Проект приказа о смене наставника подготовлен: новый наставник примет пару, "
            "когда руководитель подпишет приказ."
        ),
    )
    return redirect(order)


@require_POST
def group_consents(request, pk: int):
    group = get_group_for(request.user, pk, write=True)
    form = ConsentsForm(request.POST, group=group)
    if form.is_valid():
        try:
            group_record_consents(
                group=group,
                mentor_consent_date=form.cleaned_data["mentor"],
                mentee_consents=form.mentee_consents(),
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Согласия сохранены."))
    else:
        messages.error(request, form_errors(form))
    return redirect(group)


@require_POST
def group_end(request, pk: int):
    group = get_group_for(request.user, pk, write=True)
    action = request.POST.get("action")
    try:
        if action == "complete":
            group_complete(user=request.user, group=group, ended_on=timezone.localdate())
            messages.success(request, _("Наставничество завершено."))
        else:
            form = EndForm(request.POST)
            if not form.is_valid():
                raise ValidationError([message for errors in form.errors.values() for message in errors])
            group_end_early(user=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("Наставничество прекращено досрочно."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect(group)


# --- orders ------------------------------------------------------------------------------------
def order_list(request):
    """Drafts waiting for the director's signature first, then the signed orders by date."""
    orders = (
        MentoringOrder.objects.visible_to(request.user)
        .select_related("organisation", "prepared_by")
        .annotate(group_count=Count("groups"))
        .with_signature_rights(request.user)
        .drafts_first()
    )
    return render(request, "registry/order_list.html", {"page": _page(request, orders)})


@require_http_methods(["GET", "POST"])
def order_create(request):
    """The curator prepares a draft order (проект приказа) for the director to sign; a director may
    also sign at once, and the chosen draft pairs become active.

    A director or curator of several schools says which school's order it is; the pairs offered
    are the draft pairs of all of them, and the service refuses pairs of another school.
    """
    if not can_prepare_order(request.user):
        raise PermissionDenied
    signable = signing_organisations(request.user)
    may_sign = signable.exists()
    form = OrderForm(
        request.POST or None,
        organisations=managed_organisations(request.user),
        signable=signable if may_sign else None,
        signs=request.POST.get("action") != "prepare",
        initial={"date": timezone.localdate()},
    )
    organisation = form.only_organisation
    if organisation is not None and may_sign:
        form.initial["signed_by"] = director_name(organisation, request.user)
    if form.is_valid():
        data = form.cleaned_data
        arguments = {"user": request.user, "organisation": data["organisation"], "groups": list(data["groups"])}
        try:
            order = order_issue(**arguments, **form.registration()) if form.signs else order_prepare(**arguments)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _order_done(order))
            return redirect(order)
    return render(
        request, "registry/order_form.html", {"form": form, "organisation": organisation, "may_sign": may_sign}
    )


def _order_done(order: MentoringOrder) -> str:
    if order.is_draft:
        return _("Проект приказа подготовлен и передан руководителю на подпись. Пары остаются черновиками.")
    return _("Приказ %(order)s издан, пары закреплены.") % {"order": order}


def order_detail(request, pk: int):
    return _order_page(request, get_order_for(request.user, pk))


def _order_page(request, order: MentoringOrder, sign_form: OrderSignForm | None = None):
    """The order with its pairs; a draft with the director's sign form and the withdraw button."""
    groups = order.groups.select_related("mentor").prefetch_related("participations__mentee")
    can_sign = can_sign_order(request.user, order)
    if can_sign and sign_form is None:
        initial = {"date": timezone.localdate(), "signed_by": director_name(order.organisation, request.user)}
        sign_form = OrderSignForm(order=order, initial=initial)
    return render(
        request,
        "registry/order_detail.html",
        {
            "order": order,
            "groups": groups,
            "sign_form": sign_form if can_sign else None,
            "can_withdraw": can_withdraw_order(request.user, order),
            # Mentor changes the order fixes; not the first mentor's period, which is under the pair's own order.
            "mentor_changes": order.mentor_periods.exclude(order=F("group__order"))
            .select_related("mentor")
            .prefetch_related("group__participations__mentee"),
        },
    )


@require_POST
def order_sign_view(request, pk: int):
    """The director signs the draft: number, date, signer; the pairs become active, all or none."""
    order = get_order_for(request.user, pk)
    if not can_sign_for(request.user, order.organisation):
        raise PermissionDenied
    if not order.is_draft:  # a double click: the first one signed it
        messages.info(request, _("Приказ уже подписан: %(order)s.") % {"order": order})
        return redirect(order)
    form = OrderSignForm(request.POST, order=order)
    if form.is_valid():
        try:
            order = order_sign(user=request.user, order=order, **form.registration())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Приказ %(order)s подписан, пары закреплены.") % {"order": order})
            return redirect(order)
    return _refused_signature(request, pk, form)


def _refused_signature(request, pk: int, form: OrderSignForm):
    """The draft as it is now, with the refused form; signed or withdrawn meanwhile, it has no form to show."""
    try:
        order = get_order_for(request.user, pk)
    except Http404:
        messages.error(request, _("Проект приказа отозван."))
        return redirect("registry:order_list")
    if not can_sign_order(request.user, order):
        messages.error(request, form_errors(form))
        return redirect(order)
    return _order_page(request, order, form)


@require_POST
def order_withdraw_view(request, pk: int):
    """The curator (or the director) withdraws a draft: it is deleted, its pairs stay drafts."""
    order = get_order_for(request.user, pk)
    if not can_withdraw_order(request.user, order):
        raise PermissionDenied
    try:
        order_withdraw(user=request.user, order=order)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(order)
    messages.success(request, _("Проект приказа отозван, его пары остались черновиками."))
    return redirect("registry:order_list")


def order_document(request, pk: int, format: str):
    """The order as PDF or Word (``format`` comes from the URL pattern); a draft prints «ПРОЕКТ»."""
    order = get_order_for(request.user, pk)
    return OrderDocument().response(order, format=format)


def curator_order_document(request, pk: int, format: str):
    """The order appointing a school's curator, from their role; read by whoever reads the school's orders."""
    membership = get_curator_role_for(request.user, pk)
    return CuratorOrderDocument().response(membership, format=format)


# --- programs ----------------------------------------------------------------------------------
def _save_program(request, form, formset) -> Program | None:
    if form.is_valid() and formset.is_valid():
        return program_save(form=form, activities=formset)
    return None


@require_http_methods(["GET", "POST"])
def program_create(request, pk: int):
    group = get_group_for(request.user, pk, write=True)
    if Program.objects.filter(group=group).exists():
        return redirect(group.program)
    program = Program(organisation=group.organisation, group=group)
    initial = {"start_date": group.start_date, "end_date": group.planned_end_date, "status": Program.Status.ACTIVE}
    form = ProgramForm(request.POST or None, instance=program, initial=initial)
    formset = ActivityFormSet(request.POST or None, instance=program, prefix="activities")
    if request.method == "POST" and (saved := _save_program(request, form, formset)):
        messages.success(request, _("Программа сохранена."))
        return redirect(saved)
    return render(request, "registry/program_form.html", {"form": form, "formset": formset, "group": group})


@require_http_methods(["GET", "POST"])
def program_update(request, pk: int):
    program = get_program_for(request.user, pk, write=True)
    form = ProgramForm(request.POST or None, instance=program)
    formset = ActivityFormSet(request.POST or None, instance=program, prefix="activities")
    if request.method == "POST" and (saved := _save_program(request, form, formset)):
        messages.success(request, _("Программа сохранена."))
        return redirect(saved)
    return render(
        request,
        "registry/program_form.html",
        {"form": form, "formset": formset, "group": program.group, "program": program},
    )


def program_detail(request, pk: int):
    program = get_program_for(request.user, pk)
    activities = list(program.activities.all())
    done = sum(1 for activity in activities if activity.done_on)
    today = timezone.localdate()
    return render(
        request,
        "registry/program_detail.html",
        {
            "program": program,
            "group": program.group,
            "activities": activities,
            "done": done,
            "percent": round(100 * done / len(activities)) if activities else 0,
            "overdue": sum(1 for activity in activities if activity.is_overdue(today)),
            "can_edit": can_edit_program(request.user, program),
            "can_mark": can_mark_progress(request.user, program),
            "result_form": ProgramResultForm(instance=program),
            "self_assessment_form": (
                SelfAssessmentForm(instance=program) if can_self_assess(request.user, program) else None
            ),
            "history": program_log(program),
        },
    )


@require_POST
def activity_mark(request, pk: int, activity_pk: int):
    program = get_program_for(request.user, pk)
    if not can_mark_progress(request.user, program):
        raise PermissionDenied
    activity = get_object_or_404(Activity, pk=activity_pk, program=program)
    form = ActivityDoneForm(request.POST, instance=activity)
    if form.is_valid():
        form.save()
        messages.success(request, _("Отметка сохранена."))
    else:
        messages.error(request, form_errors(form))
    return redirect_back(request, program)


def _save_results(request, pk: int, *, allowed, form_class, done: str):
    """One part of a program's results, written by the one it belongs to (the mentor's, or the mentee's)."""
    program = get_program_for(request.user, pk)
    if not allowed(request.user, program):
        raise PermissionDenied
    form = form_class(request.POST, instance=program)
    if form.is_valid():
        form.save()
        messages.success(request, done)
    else:
        messages.error(request, form_errors(form))
    return redirect(program)


@require_POST
def program_result(request, pk: int):
    return _save_results(
        request, pk, allowed=can_mark_progress, form_class=ProgramResultForm, done=_("Итоги программы сохранены.")
    )


@require_POST
def program_self_assessment(request, pk: int):
    return _save_results(
        request, pk, allowed=can_self_assess, form_class=SelfAssessmentForm, done=_("Самооценка сохранена.")
    )


@require_POST
def program_to_bank(request, pk: int):
    program = get_program_for(request.user, pk, write=True)
    try:
        copy = program_put_in_bank(program=program)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(program)
    messages.success(request, _("Программа скопирована в банк программ."))
    return redirect(copy)


@require_POST
def program_from_bank(request, pk: int):
    group = get_group_for(request.user, pk, write=True)
    form = FromBankForm(request.POST, organisation=group.organisation)
    if not form.is_valid():
        messages.error(request, _("Выберите программу из банка и дату начала."))
        return redirect(group)
    try:
        program = program_copy_from_bank(
            template=form.cleaned_data["template"], group=group, start_date=form.cleaned_data["start_date"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(group)
    messages.success(request, _("Программа создана по образцу из банка. Проверьте даты мероприятий."))
    return redirect(program)


def program_bank(request):
    programs = (
        Program.objects.visible_to(request.user)
        .filter(in_bank=True)
        .select_related("organisation")
        .annotate(activity_count=Count("activities"))
        .order_by("organisation__short_name", "title")
    )
    return render(request, "registry/program_bank.html", {"page": _page(request, programs)})


def program_document(request, pk: int, format: str):
    program = get_program_for(request.user, pk)
    if program.group is None:
        raise Http404
    return ProgramDocument().response(program, format=format)


def consent_document(request, pk: int, kind: str, format: str):
    person = get_person_for(request.user, pk)
    return ConsentDocument().response(person, kind, format=format)
