"""The registry's documents, each as PDF and Word: the order on pairs, the order appointing the curator,
the personalised program, the consent form.

One ``Exporter`` per document, ``render(..., format="pdf" | "docx")``: the data is gathered once and laid
out twice (WeasyPrint from a template, python-docx through ``mentoring_portal.word``). The orders follow
ГОСТ Р 7.0.97-2016 (``mentoring_portal.official``): the organisation's requisites, «ПРИКАЗ», the date,
the number and the place, the title, «ПРИКАЗЫВАЮ:» with points that name people in their cases, the
signature «Директор ____ В.И. Зайцев», «С приказом ознакомлены:» with a line per person.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from docx.shared import Pt

from mentoring_portal import word
from mentoring_portal.documents import PDF, html_to_pdf
from mentoring_portal.exporters import Exporter
from mentoring_portal.official import (
    BLANK_DATE,
    POINTS_AT_MOST,
    Appendix,
    Letterhead,
    OfficialOrder,
    approval_lines,
    check_format,
    render_order,
    written_date,
)

from .models import Membership, MenteeProfile, MentoringGroup, MentoringOrder, Organisation, Person, Program
from .requisites import Signatory, curator_of, head_of, requisites_of, signatory_named, signatory_of_membership
from .services import mentor_periods

PLAN_PREAMBLE = "В соответствии с Положением о системе наставничества педагогических работников {name}"
NBSP = "\u00a0"
NO_SIGNER = "____________________"  # the head's name is not on the card nor in the portal: written by hand


def letterhead_of(organisation: Organisation) -> Letterhead:
    requisites = requisites_of(organisation)
    return Letterhead(requisites.full_name, requisites.lines, requisites.emblem)


def person_signatory(person: Person, position: str = "") -> Signatory:
    return Signatory(position, person.last_name, person.first_name, person.middle_name)


def is_young(person: Person) -> bool:
    profile = getattr(person, "mentee_profile", None)
    if profile is not None:
        return profile.category == MenteeProfile.Category.YOUNG
    return person.is_young_teacher


def mentee_in_instrumental(person: Person) -> str:
    """«молодым педагогом Пановым Николаем Ивановичем»: whom a mentor is fixed to (закрепить за кем)."""
    return f"{'молодым педагогом' if is_young(person) else 'педагогом'} {person.declined('instrumental')}"


def pair_point(group: MentoringGroup, organisation: Organisation) -> str:
    """«Закрепить наставника Галкину Марину Михайловну за молодым педагогом Пановым Николаем Ивановичем …»."""
    mentor = group.mentor.declined("accusative")
    if group.mentor.organisation_id != organisation.pk:
        mentor += f" ({group.mentor.organisation.short_name})"
    mentees = [mentee_in_instrumental(participation.mentee) for participation in group.participations.all()]
    whom = mentees[0] if len(mentees) == 1 else "наставляемыми: " + ", ".join(mentees)
    kinds = ", ".join(label.lower() for label in group.kind_labels)
    kinds = f", {'виды' if len(group.kind_labels) > 1 else 'вид'} — {kinds}" if kinds else ""
    return (
        f"Закрепить наставника {mentor} за {whom} на срок с {group.start_date:%d.%m.%Y} по "
        f"{group.planned_end_date:%d.%m.%Y}; форма наставничества — «{group.get_form_display()}»{kinds}."
    )


def pairs_appendix(order: MentoringOrder, groups: list[MentoringGroup], date: str, number: str) -> Appendix:
    organisation = order.organisation
    rows = []
    for index, group in enumerate(groups, start=1):
        mentor = f"{group.mentor.full_name}, {group.mentor.position.lower()}"
        if group.mentor.organisation_id != organisation.pk:
            mentor += f" ({group.mentor.organisation.short_name})"
        mentees = "; ".join(f"{p.mentee.full_name}, {p.mentee.position.lower()}" for p in group.participations.all())
        term = f"с {group.start_date:%d.%m.%Y} по {group.planned_end_date:%d.%m.%Y}"
        rows.append([str(index), mentor, mentees, group.get_form_display(), ", ".join(group.kind_labels), term])
    return Appendix(
        heading=[
            "Приложение 1",
            f"к приказу {organisation.short_name}",
            f"от {date or BLANK_DATE} № {number or '___'}",
        ],
        title="Состав наставнических пар (групп)",
        header=["№", "Наставник", "Наставляемые", "Форма наставничества", "Виды", "Срок"],
        rows=rows,
        widths_mm=[10, 62, 72, 45, 35, 33],
    )


def control_point(organisation: Organisation) -> str:
    """Control is given to the curator by name; without a curator in the portal the head keeps it."""
    curator = curator_of(organisation)
    if curator is None:
        return "Контроль за исполнением настоящего приказа оставляю за собой."
    return (
        "Контроль за исполнением настоящего приказа возложить на куратора наставничества "
        f"{curator.declined('accusative')}."
    )


def acquainted(people: list[Signatory]) -> list[str]:
    """«Галкина М.М.», once per person, in the order of the text."""
    seen, names = set(), []
    for person in people:
        if person is not None and person.full_name not in seen:
            seen.add(person.full_name)
            names.append(person.initials_after)
    return names


def order_signer(order: MentoringOrder) -> Signatory | None:
    """A signed order names the one who signed it (as the director entered it); a draft, the head who is to."""
    organisation = order.organisation
    if not order.is_draft and order.signed_by.strip():
        return signatory_named(order.signed_by, organisation.head_title)
    return head_of(organisation)


def pairs_order(order: MentoringOrder) -> OfficialOrder:
    organisation = order.organisation
    groups = list(
        order.groups.select_related("mentor__organisation")
        .prefetch_related("participations__mentee__mentee_profile")
        .order_by("pk")
    )
    date = "" if order.is_draft else f"{order.date:%d.%m.%Y}"
    number = "" if order.is_draft else order.number
    appendix = None
    if len(groups) > POINTS_AT_MOST:
        appendix = pairs_appendix(order, groups, date, number)
        points = ["Закрепить наставнические пары (группы) в составе согласно приложению 1 к настоящему приказу."]
    else:
        points = [pair_point(group, organisation) for group in groups]
    points += [
        "Наставникам совместно с наставляемыми разработать персонализированные программы наставничества.",
        control_point(organisation),
    ]
    people = []
    for group in groups:
        people.append(person_signatory(group.mentor))
        people += [person_signatory(participation.mentee) for participation in group.participations.all()]
    signer = order_signer(order)
    return OfficialOrder(
        letterhead=letterhead_of(organisation),
        title="О закреплении наставнических пар (групп)",
        preamble=PLAN_PREAMBLE.format(name=organisation.short_name) + ", на основании письменных согласий участников",
        points=points,
        signature_position=organisation.head_title,
        signature_name=signer.initials if signer else NO_SIGNER,
        date=date,
        number=number,
        place=organisation.locality,
        draft=order.is_draft,
        acquainted=acquainted([*people, curator_of(organisation)]),
        appendix=appendix,
    )


class OrderDocument(Exporter):
    """Приказ о закреплении наставнических пар (групп): ``render(order, format="pdf" | "docx")``.

    A draft (проект) is marked «ПРОЕКТ» on every page and has blanks for the number and the date. More
    than five pairs go to «Приложение 1», a landscape table; up to five, each pair is a point of the order.
    """

    def render(self, order: MentoringOrder, *, format: str = "pdf") -> tuple[str, str, bytes]:
        if order.is_draft:
            stem = f"Проект приказа от {timezone.localtime(order.created_at):%d.%m.%Y}"
        else:
            stem = f"Приказ № {order.number} от {order.date:%d.%m.%Y}"
        return render_order(pairs_order(order), stem, format)


CURATOR_DUTIES = [
    "организовать формирование наставнических пар (групп) и подготовку приказов об их закреплении;",
    "вести базы наставников и наставляемых, учитывать письменные согласия участников;",
    "обеспечить разработку персонализированных программ наставничества и контроль их выполнения;",
    "готовить отчёты о реализации системы наставничества для муниципального мониторинга.",
]


def curator_order(membership: Membership) -> OfficialOrder:
    organisation = membership.organisation
    curator = signatory_of_membership(membership, "Куратор наставничества")
    head = head_of(organisation)
    points = [
        "Назначить куратором наставничества педагогических работников "
        f"{organisation.short_name} {curator.declined('accusative')}.",
        f"Куратору наставничества {curator.declined('dative')}:",
        *[f"\t{duty}" for duty in CURATOR_DUTIES],
        "Контроль за исполнением настоящего приказа оставляю за собой.",
    ]
    return OfficialOrder(
        letterhead=letterhead_of(organisation),
        title="О назначении куратора наставничества",
        preamble=PLAN_PREAMBLE.format(name=organisation.short_name)
        + ", в целях организационного и методического сопровождения наставнической деятельности",
        points=points,
        signature_position=organisation.head_title,
        signature_name=head.initials if head else NO_SIGNER,
        place=organisation.locality,
        acquainted=acquainted([curator]),
    )


class CuratorOrderDocument(Exporter):
    """Приказ о назначении куратора наставничества (seed 000, item 1.4), from the curator's role in the portal:
    ``render(membership, format=...)``. The portal keeps no register of these orders, so the number and the
    date are blanks for the registration."""

    def render(self, membership: Membership, *, format: str = "pdf") -> tuple[str, str, bytes]:
        order = curator_order(membership)
        name = signatory_of_membership(membership)
        stem = f"Приказ о назначении куратора {name.initials_after}".replace(NBSP, " ")
        return render_order(order, stem, format)


def program_context(program: Program) -> dict:
    group = program.group
    organisation = program.organisation
    mentees = [participation.mentee for participation in group.participations.select_related("mentee")]
    head = head_of(organisation)
    approval = approval_lines(
        title=[f"{organisation.head_title} {organisation.short_name}"],
        order_by=organisation.short_name,
        signer=head.initials if head else "",
        date=None,
    )
    kinds = ", ".join(group.kind_labels).lower()
    fields = [
        *mentors_field(group),
        (
            "Наставляемые" if len(mentees) > 1 else "Наставляемый",
            "; ".join(f"{mentee.full_name}, {mentee.position.lower()}" for mentee in mentees),
        ),
        ("Форма и виды наставничества", f"{group.get_form_display()}; {kinds}" if kinds else group.get_form_display()),
        *pauses_field(group),
        ("Затруднения, на которые направлена программа", program.difficulties or "—"),
        ("Сильные стороны", program.strengths or "—"),
        ("Цели и задачи", program.goals),
        ("Ожидаемые результаты", program.expected_results or "—"),
    ]
    results = []
    if program.result or program.mentor_assessment or program.mentee_self_assessment:
        results = [
            ("Результат", program.result or "—"),
            ("Оценка наставника", program.mentor_assessment or "—"),
            ("Самооценка наставляемого", program.mentee_self_assessment or "—"),
        ]
    return {
        "program": program,
        "letterhead": letterhead_of(organisation),
        "approval": approval,
        "fields": fields,
        "results": results,
        "activities": list(program.activities.all()),
        "signatures": [("Наставник", person_signatory(group.mentor).initials)]
        + [("Наставляемый", person_signatory(mentee).initials) for mentee in mentees],
    }


def activity_row(number: int, activity) -> list[str]:
    done = ""
    if activity.done_on:
        done = f"выполнено {activity.done_on:%d.%m.%Y}" + (f": {activity.note}" if activity.note else "")
    due = f"{activity.due_date:%d.%m.%Y}" if activity.due_date else "—"
    return [str(number), activity.title, due, activity.form, activity.responsible, done]


def mentors_field(group: MentoringGroup) -> list[tuple[str, str]]:
    """«Наставник», or «Наставники» with dates and orders, one a line, when the mentor changed."""
    periods = mentor_periods(group)

    def who(person: Person) -> str:
        return f"{person.full_name}, {person.position.lower()}, {person.organisation.short_name}"

    if len(periods) == 1:
        return [("Наставник", who(group.mentor))]
    lines = []
    for period in periods:
        until = f" по {period.ends_on:%d.%m.%Y}" if period.ends_on else ""
        lines.append(f"{who(period.mentor)}: с {period.starts_on:%d.%m.%Y}{until} (приказ {period.order})")
    return [("Наставники", "\n".join(lines))]


def pauses_field(group: MentoringGroup) -> list[tuple[str, str]]:
    """The pair's pauses, with their reasons and where they moved the end; nothing when it never paused."""
    lines = []
    for pause in group.pauses.all():
        text = f"с {pause.starts_on:%d.%m.%Y}"
        if pause.ends_on:
            text += f" по {pause.ends_on:%d.%m.%Y}"
        text += f" ({pause.get_reason_display().lower()})"
        if pause.new_end_date:
            text += f", окончание перенесено на {pause.new_end_date:%d.%m.%Y}"
            text += " (предел — один год по Положению)" if pause.limit_reached else ""
        lines.append(text)
    return [("Паузы", "\n".join(lines))] if lines else []


def program_docx(context: dict) -> bytes:
    program, head = context["program"], context["letterhead"]
    document = word.new_document()
    word.requisites(document, name=head.name, lines=head.lines, emblem=head.emblem)
    word.block(document, context["approval"], bold_first=True)
    word.lines(document, f"Персонализированная программа наставничества\n«{program.title}»", style="Title")
    if program.start_date and program.end_date:
        word.centred(document, f"на период с {program.start_date:%d.%m.%Y} по {program.end_date:%d.%m.%Y}", size=10)
    word.key_values(document, context["fields"], widths=[55, 115])
    word.heading(document, "План мероприятий", level=2)
    rows = [activity_row(number, activity) for number, activity in enumerate(context["activities"], start=1)]
    word.table(
        document,
        ["№", "Мероприятие", "Срок", "Форма", "Ответственный", "Отметка о выполнении"],
        rows or [["", "Мероприятия не запланированы.", "", "", "", ""]],
        widths=[9, 52, 22, 27, 27, 33],
        size=10,
    )
    if context["results"]:
        word.heading(document, "Итоги", level=2)
        word.key_values(document, context["results"], widths=[55, 115])
    for position, name in context["signatures"]:
        word.signature_line(document, position, name)
    return word.save(document)


class ProgramDocument(Exporter):
    """Персонализированная программа наставничества, «УТВЕРЖДАЮ» of the head: ``render(program, format=...)``."""

    def render(self, program: Program, *, format: str = "pdf") -> tuple[str, str, bytes]:
        check_format(format)
        context = program_context(program)
        stem = f"Программа наставничества {program.group.mentor.short_name}"
        if format == "docx":
            return f"{stem}.docx", word.DOCX, program_docx(context)
        context["activity_rows"] = [activity_row(n, a) for n, a in enumerate(context["activities"], start=1)]
        return f"{stem}.pdf", PDF, html_to_pdf(render_to_string("pdf/program.html", context))


# The head's position in the dative for the addressee of a statement («Директору», «Заведующему»); a title
# the list does not know is written as it is on the card.
POSITION_DATIVE = {
    "директор": "Директору",
    "заведующий": "Заведующему",
    "заведующая": "Заведующей",
    "начальник": "Начальнику",
    "руководитель": "Руководителю",
    "ректор": "Ректору",
}


def addressee_position(title: str) -> str:
    first, _, rest = title.partition(" ")
    dative = POSITION_DATIVE.get(first.lower())
    return f"{dative} {rest}".strip() if dative else title


def consent_context(person: Person, role: str) -> dict:
    organisation = person.organisation
    requisites = requisites_of(organisation)
    head = head_of(organisation)
    addressee = [f"{addressee_position(organisation.head_title)} {organisation.short_name}"]
    if head:
        addressee.append(head.initials_in("dative"))
    addressee += [f"от {person.declined('genitive')},", person.position.lower()]
    operator = ", ".join([organisation.full_name, *requisites.lines[:1]])
    as_whom = "наставника" if role == "mentor" else "наставляемого"
    return {
        "person": person,
        "role": role,
        "letterhead": Letterhead(requisites.full_name, requisites.lines, requisites.emblem),
        "addressee": addressee,
        "title": f"Согласие\nна участие в программе наставничества в качестве {as_whom}\n"
        "и на обработку персональных данных",
        "paragraphs": [
            f"Я, {person.full_name}, даю согласие на участие в программе наставничества "
            f"{organisation.full_name} в качестве {as_whom}.",
            "В соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных» даю согласие "
            f"оператору — {operator} — на обработку моих персональных данных: фамилии, имени, отчества, "
            "должности, места работы, сведений о квалификационной категории, педагогическом стаже, преподаваемых "
            "предметах, контактных данных, сведений об участии в наставничестве — в целях организации "
            "наставничества, персонифицированного учёта и мониторинга в системе образования "
            f"{organisation.municipality.name}.",
            "Согласие действует до достижения целей обработки или до его отзыва. Я уведомлен(а), что могу отозвать "
            "согласие письменным заявлением.",
        ],
        "date": written_date(None),
        "signer": person_signatory(person).initials,
    }


def consent_docx(context: dict) -> bytes:
    head = context["letterhead"]
    document = word.new_document()
    word.requisites(document, name=head.name, lines=head.lines, emblem=head.emblem)
    word.block(document, context["addressee"])
    word.lines(document, context["title"], style="Title")
    for text in context["paragraphs"]:
        word.text(document, text)
    signature = word.spread(document, context["date"], f"____________ / {context['signer']}")
    signature.paragraph_format.space_before = Pt(24)
    return word.save(document)


class ConsentDocument(Exporter):
    """Согласие участника на наставничество и обработку персональных данных, для печати и подписи:
    ``render(person, role, format=...)``, ``role`` «mentor» or «mentee»."""

    private = True  # names, contacts: never kept by a browser or a proxy cache

    def render(self, person: Person, role: str, *, format: str = "pdf") -> tuple[str, str, bytes]:
        check_format(format)
        context = consent_context(person, role)
        stem = f"Согласие {person.short_name}"
        if format == "docx":
            return f"{stem}.docx", word.DOCX, consent_docx(context)
        return f"{stem}.pdf", PDF, html_to_pdf(render_to_string("pdf/consent.html", context))
