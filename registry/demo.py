"""Believable demo data: one municipality for people to try, or a whole region for benchmarks.

Everything is deterministic (seeded by the municipality's name) and written with
``bulk_create`` in one transaction per municipality, so the region (about 3,000
organisations and 100,000 people) loads in minutes.
"""

from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from mentoring_portal.concurrency import bulk_update, bump

from .models import (
    Activity,
    EducationalDistrict,
    GroupEvent,
    Membership,
    MenteeProfile,
    MentoringForm,
    MentoringGroup,
    MentoringKind,
    MentoringOrder,
    MentorProfile,
    Municipality,
    Organisation,
    Participation,
    Person,
    Program,
    Region,
    Role,
    Subject,
    Vocabulary,
    VocabularyTerm,
)
from .reference import load_reference_data
from .services import add_months, program_put_in_bank

DEMO_PASSWORD = "demo"
DATA_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo.json"

# Region scale: the demo municipality plus these many generated organisations per
# other district, each with about this many people (31 × 95 × 33 ≈ 97,000 people).
REGION_ORGANISATIONS_PER_MUNICIPALITY = 95
REGION_PEOPLE_PER_ORGANISATION = 33


@dataclass
class DemoResult:
    municipalities: int = 0
    organisations: int = 0
    people: int = 0
    created: bool = False


def load_data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def female(name: str) -> str:
    """Иванов → Иванова, Соловьёв → Соловьёва, Маяцкий → Маяцкая, Сидоренко → Сидоренко."""
    if name.endswith("ий"):
        return name[:-2] + "ая"
    if name.endswith(("ов", "ев", "ёв", "ин")):
        return name + "а"
    return name


def patronymic(root: str, is_female: bool) -> str:
    """Александров → Александровна / Александрович; Юрьев → Юрьевна / Юрьевич."""
    return root + ("на" if is_female else "ич")


BANK_PROGRAM_TEXTS = {
    "result": "Наставляемый уверенно проводит уроки, сам составляет технологические карты, провёл открытый "
    "урок и выступил на школьном методическом объединении.",
    "mentor_assessment": "Программа выполнена полностью; наставляемый готов работать самостоятельно.",
    "mentee_self_assessment": "Стало легче планировать уроки и говорить с родителями; затруднения с "
    "дисциплиной на уроках решены.",
}

# The demo mentor's week: what their home page lists as due soon and as overdue.
MENTOR_DUE_SOON = ("Подготовка открытого урока наставляемого: план и технологическая карта", "консультация", 3)
MENTOR_OVERDUE = ("Посещение урока наставляемого и его разбор", "взаимопосещение", -6)


@transaction.atomic
def build_demo_bank_program(school: Organisation) -> bool:
    """A completed program of ``school`` (or of its municipality), with its results written, copied into the
    bank of programs as the curator's «В банк программ» does; returns whether it was added."""
    municipality_programs = Program.objects.filter(organisation__municipality=school.municipality)
    if municipality_programs.filter(in_bank=True).exists():
        return False
    completed = municipality_programs.filter(group__isnull=False, status=Program.Status.COMPLETED)
    program = completed.filter(organisation=school).order_by("pk").first() or completed.order_by("pk").first()
    if program is None:
        return False
    ended = program.group.ended_on or timezone.localdate()
    activities = list(program.activities.filter(done_on__isnull=True))
    for activity in activities:
        activity.done_on = min(activity.due_date or ended, ended)
    bulk_update(Activity, activities, ["done_on"])
    for name, text in BANK_PROGRAM_TEXTS.items():
        setattr(program, name, text)
    program.save(update_fields=list(BANK_PROGRAM_TEXTS))
    program_put_in_bank(program=program)
    return True


@transaction.atomic
def build_demo_mentor_agenda(today: datetime.date | None = None) -> bool:
    """An activity due within the week in the demo mentor's program, and one overdue, if the plan has none;
    the plan is then renumbered by due date. Returns whether anything was added."""
    today = today or timezone.localdate()
    membership = Membership.objects.filter(user__username="mentor", role=Role.MENTOR).first()
    group = (
        MentoringGroup.objects.filter(
            mentor_id=membership.person_id, status=MentoringGroup.Status.ACTIVE, program__isnull=False
        )
        .order_by("pk")
        .first()
        if membership
        else None
    )
    if group is None:
        return False
    program = group.program
    pending = program.activities.filter(done_on__isnull=True, due_date__isnull=False)
    missing = []
    if not pending.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=7)).exists():
        missing.append(MENTOR_DUE_SOON)
    if not pending.filter(due_date__lt=today).exists():
        missing.append(MENTOR_OVERDUE)
    for title, form, days in missing:
        Activity.objects.create(
            program=program,
            title=title,
            form=form,
            due_date=today + datetime.timedelta(days=days),
            responsible="Наставник",
        )
    if not missing:
        return False
    activities = sorted(program.activities.all(), key=lambda a: (a.due_date or datetime.date.max, a.position, a.pk))
    for position, activity in enumerate(activities, start=1):
        activity.position = position
    bulk_update(Activity, activities, ["position"])
    return True


class DemoBuilder:
    def __init__(self, data: dict | None = None, today: datetime.date | None = None):
        self.data = data or load_data()
        self.today = today or timezone.localdate()
        self.subjects: dict[str, Subject] = {}

    def ensure_subjects(self) -> None:
        names = sorted({name for names in self.data["subjects"].values() for name in names})
        Subject.objects.bulk_create([Subject(name=name) for name in names], ignore_conflicts=True)
        self.subjects = {s.name: s for s in Subject.objects.filter(name__in=names, municipality__isnull=True)}

    def random_person(self, rng: random.Random, organisation: Organisation, taken: set) -> Person:
        names = self.data["names"]
        kind = organisation.kind
        while True:
            is_female = rng.random() < 0.8  # teaching staff in Russia is mostly women
            last = rng.choice(names["male_last"])
            last = female(last) if is_female else last
            first = rng.choice(names["female_first"] if is_female else names["male_first"])
            middle = patronymic(rng.choice(names["patronymic_roots"]), is_female)
            key = (last, first, middle)
            if key not in taken:
                taken.add(key)
                break
        years = rng.choice([0, 1, 2]) if rng.random() < 0.16 else rng.randint(3, 40)
        since = self.today - datetime.timedelta(days=int(years * 365.25) + rng.randint(1, 300))
        if years >= 15:
            category = rng.choice([Person.Category.HIGHEST, Person.Category.HIGHEST, Person.Category.FIRST])
        elif years >= 5:
            category = rng.choice([Person.Category.FIRST, Person.Category.HIGHEST, Person.Category.COMPLIANCE])
        elif years >= 2:
            category = rng.choice([Person.Category.COMPLIANCE, Person.Category.NONE])
        else:
            category = Person.Category.NONE
        has_consent = rng.random() < 0.88
        slug = f"{rng.randrange(10**6):06d}"
        return Person(
            organisation=organisation,
            last_name=last,
            first_name=first,
            middle_name=middle,
            position=rng.choice(self.data["positions"][kind]),
            qualification_category=category,
            teaching_since=since,
            email=f"teacher{slug}@example.ru",
            phone=f"+7 (844) 76{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
            consent_date=self.today - datetime.timedelta(days=rng.randint(10, 600)) if has_consent else None,
            consent_document=f"Заявление-согласие № {rng.randint(1, 300)}" if has_consent else "",
        )

    def populate(self, rng: random.Random, organisations: list[tuple[Organisation, int]]) -> int:
        """Create people with subjects, mentors and mentees for the given organisations."""
        if not self.subjects:
            self.ensure_subjects()
        people: list[Person] = []
        for organisation, count in organisations:
            taken: set = set()
            people.extend(self.random_person(rng, organisation, taken) for _ in range(count))
        Person.objects.bulk_create(people, batch_size=5000)

        through = Person.subjects.through
        links, mentors, mentees = [], [], []
        terms = {
            vocabulary: list(VocabularyTerm.objects.filter(vocabulary=vocabulary, municipality__isnull=True))
            for vocabulary in Vocabulary.values
        }
        for person in people:
            pool = self.data["subjects"][person.organisation.kind]
            for subject in rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 2]))):
                links.append(through(person_id=person.pk, subject_id=self.subjects[subject].pk))
            years = Person.experience_years_from(person.teaching_since, self.today)
            if years < 3:
                if rng.random() < 0.85:
                    mentees.append(
                        MenteeProfile(
                            person=person,
                            category=MenteeProfile.Category.YOUNG,
                            consent_date=person.consent_date,
                        )
                    )
            elif person.qualification_category in (Person.Category.HIGHEST, Person.Category.FIRST) and years >= 10:
                if rng.random() < 0.3:
                    mentors.append(
                        MentorProfile(
                            person=person, capacity=rng.choice([1, 2, 2, 3]), open_mentoring=rng.random() < 0.2
                        )
                    )
            elif rng.random() < 0.04:
                mentees.append(
                    MenteeProfile(
                        person=person,
                        category=rng.choice(
                            [
                                MenteeProfile.Category.NEW_PLACE,
                                MenteeProfile.Category.DIGITAL,
                                MenteeProfile.Category.DIRECTION,
                                MenteeProfile.Category.RETURNING,
                            ]
                        ),
                        consent_date=person.consent_date,
                    )
                )
        through.objects.bulk_create(links, batch_size=10000)
        MentorProfile.objects.bulk_create(mentors, batch_size=5000)
        MenteeProfile.objects.bulk_create(mentees, batch_size=5000)
        competency_links = [
            MentorProfile.competencies.through(mentorprofile_id=mentor.pk, vocabularyterm_id=term.pk)
            for mentor in mentors
            for term in rng.sample(terms[Vocabulary.COMPETENCY], k=rng.randint(2, 4))
        ]
        achievement_links = [
            MentorProfile.achievements.through(mentorprofile_id=mentor.pk, vocabularyterm_id=term.pk)
            for mentor in mentors
            for term in rng.sample(terms[Vocabulary.ACHIEVEMENT], k=rng.randint(0, 2))
        ]
        request_links = [
            MenteeProfile.requests.through(menteeprofile_id=mentee.pk, vocabularyterm_id=term.pk)
            for mentee in mentees
            for term in rng.sample(terms[Vocabulary.REQUEST], k=rng.randint(1, 3))
        ]
        MentorProfile.competencies.through.objects.bulk_create(competency_links, batch_size=10000)
        MentorProfile.achievements.through.objects.bulk_create(achievement_links, batch_size=10000)
        MenteeProfile.requests.through.objects.bulk_create(request_links, batch_size=10000)
        self.pair_up(rng, mentors, mentees)
        return len(people)

    ACTIVITY_TITLES = [
        ("Знакомство, диагностика затруднений, составление плана", "беседа"),
        ("Посещение уроков наставника, разбор приёмов", "взаимопосещение"),
        ("Подготовка и проведение открытого урока с разбором", "открытый урок"),
        ("Работа с документацией и электронным журналом", "консультация"),
        ("Подведение итогов, анкетирование, самоанализ", "итоговая встреча"),
    ]

    def pair_up(self, rng: random.Random, mentors: list[MentorProfile], mentees: list[MenteeProfile]) -> None:
        """Pairs of the same school, one order per school, programs with a plan partly done."""
        free: dict[int, list[MentorProfile]] = {}
        for mentor in mentors:
            if mentor.person.consent_date:
                free.setdefault(mentor.person.organisation_id, []).extend([mentor] * mentor.capacity)
        groups, participations, orders = [], [], {}
        for mentee in mentees:
            slots = free.get(mentee.person.organisation_id)
            if not slots or not mentee.person.consent_date or rng.random() > 0.7:
                continue
            mentor = slots.pop(rng.randrange(len(slots)))
            if mentor.person_id == mentee.person_id:
                continue
            start = self.today - datetime.timedelta(days=rng.randint(30, 300))
            status = rng.choices(
                [MentoringGroup.Status.ACTIVE, MentoringGroup.Status.COMPLETED, MentoringGroup.Status.DRAFT],
                weights=[8, 1, 1],
            )[0]
            organisation = mentee.person.organisation
            order = None if status == MentoringGroup.Status.DRAFT else self.school_order(rng, orders, organisation)
            groups.append(
                MentoringGroup(
                    organisation=organisation,
                    mentor_id=mentor.person_id,
                    form=MentoringForm.TEACHER_TEACHER,
                    kinds=[MentoringKind.TRADITIONAL] + ([MentoringKind.VIRTUAL] if rng.random() < 0.3 else []),
                    status=status,
                    start_date=start,
                    planned_end_date=add_months(start, 9),
                    mentor_consent_date=start - datetime.timedelta(days=7),
                    order=order,
                    ended_on=self.today - datetime.timedelta(days=5) if status == "completed" else None,
                )
            )
            participations.append((groups[-1], mentee.person_id, start - datetime.timedelta(days=7)))
        MentoringOrder.objects.bulk_create(list(orders.values()), batch_size=5000)
        for group in groups:
            group.order_id = group.order.pk if group.order else None
        MentoringGroup.objects.bulk_create(groups, batch_size=5000)
        Participation.objects.bulk_create(
            [
                Participation(group=group, mentee_id=mentee_id, consent_date=date)
                for group, mentee_id, date in participations
            ],
            batch_size=5000,
        )
        events = [
            GroupEvent(group=group, to_status=MentoringGroup.Status.DRAFT, note="Сформирована") for group in groups
        ]
        events += [
            GroupEvent(group=group, from_status="draft", to_status="active", note=f"Приказ № {group.order.number}")
            for group in groups
            if group.order
        ]
        GroupEvent.objects.bulk_create(events, batch_size=5000)
        self.plan_programs(rng, groups)

    def school_order(self, rng: random.Random, orders: dict[int, MentoringOrder], organisation) -> MentoringOrder:
        """The one order of ``organisation`` that starts all its pairs, made on its first pair."""
        order = orders.get(organisation.pk)
        if order is None:
            order = orders[organisation.pk] = MentoringOrder(
                organisation=organisation,
                number=f"{rng.randint(10, 150)}-о",
                date=self.today - datetime.timedelta(days=rng.randint(310, 330)),
                signed_by="",  # the head's name, once the requisites are made (``build_demo_requisites``)
            )
        return order

    def plan_programs(self, rng: random.Random, groups: list[MentoringGroup]) -> None:
        """A program for each started pair, with a plan whose past activities are mostly done."""
        programs = [
            Program(
                organisation=group.organisation,
                group=group,
                title="Адаптация молодого педагога",
                start_date=group.start_date,
                end_date=group.planned_end_date,
                difficulties="Организация урока, дисциплина, работа с родителями",
                goals="Помочь молодому педагогу освоить профессию и закрепиться в школе",
                expected_results="Уверенное проведение уроков, самостоятельная работа с родителями",
                status=Program.Status.COMPLETED if group.status == "completed" else Program.Status.ACTIVE,
            )
            for group in groups
            if group.status != MentoringGroup.Status.DRAFT
        ]
        Program.objects.bulk_create(programs, batch_size=5000)
        activities = []
        for program in programs:
            for position, (title, form) in enumerate(self.ACTIVITY_TITLES, start=1):
                due = add_months(program.start_date, position * 2 - 1)
                done = due <= self.today and rng.random() < 0.75
                activities.append(
                    Activity(
                        program=program,
                        position=position,
                        title=title,
                        form=form,
                        due_date=due,
                        responsible="Наставник",
                        done_on=due if done else None,
                    )
                )
        Activity.objects.bulk_create(activities, batch_size=10000)

    @transaction.atomic
    def build_municipality(self) -> tuple[Municipality, list[Organisation], int] | None:
        """The demo municipality of ``fixtures/demo.json``; ``None`` if it already exists."""
        spec = self.data["municipality"]
        if Municipality.objects.filter(name=spec["name"]).exists():
            return None
        rng = random.Random(spec["name"])
        municipality = Municipality.objects.create(
            name=spec["name"], region=self.demo_region(), department_name=spec["department_name"]
        )
        organisations = []
        for number, (kind, short_name, full_name, size) in enumerate(self.data["organisations"], start=1):
            organisations.append(
                (
                    Organisation(
                        municipality=municipality,
                        kind=kind,
                        short_name=short_name,
                        full_name=full_name,
                        address=f"404{number:03d}, Волгоградская обл., г. Котельниково, ул. Ленина, д. {number * 3}",
                        phone=f"+7 (84476) 3-{10 + number:02d}-{20 + number:02d}",
                        email=f"school{number}@kotel-edu.example.ru",
                    ),
                    size,
                )
            )
        Organisation.objects.bulk_create([organisation for organisation, _ in organisations])
        people = self.populate(rng, organisations)
        return municipality, [organisation for organisation, _ in organisations], people

    @transaction.atomic
    def build_region_municipality(self, district: str) -> int | None:
        """One generated district of the region; ``None`` if it already exists."""
        name = f"{district} муниципальный район"
        if Municipality.objects.filter(name=name).exists():
            return None
        rng = random.Random(name)
        municipality = Municipality.objects.create(
            name=name,
            region=self.demo_region(),
            department_name=f"Отдел образования администрации {district[:-2]}ого муниципального района",
        )
        kinds = ["school"] * 6 + ["kindergarten"] * 3 + ["additional"]
        organisations = []
        for number in range(1, REGION_ORGANISATIONS_PER_MUNICIPALITY + 1):
            kind = kinds[number % len(kinds)]
            short = {
                "school": f"МБОУ «СОШ № {number}»",
                "kindergarten": f"МБДОУ «Детский сад № {number}»",
                "additional": f"МБУ ДО «Центр творчества № {number}»",
            }[kind]
            organisation = Organisation(
                municipality=municipality, kind=kind, short_name=short, full_name=f"{short} ({name})"
            )
            size = max(5, int(rng.gauss(REGION_PEOPLE_PER_ORGANISATION, 8)))
            organisations.append((organisation, size))
        Organisation.objects.bulk_create([organisation for organisation, _ in organisations])
        return self.populate(rng, organisations)

    def demo_region(self) -> Region:
        region, _created = Region.objects.get_or_create(
            name=self.data["region"], defaults={"office_name": self.data["region_office"]}
        )
        return region

    @transaction.atomic
    def build_second_municipality(self) -> int | None:
        """A small second municipality of the region, so the regional coordinator's pages compare two; its
        people are made as the demo municipality's. ``None`` if it already exists."""
        spec = self.data["second_municipality"]
        if Municipality.objects.filter(name=spec["name"]).exists():
            return None
        rng = random.Random(spec["name"])
        municipality = Municipality.objects.create(
            name=spec["name"], region=self.demo_region(), department_name=spec["department_name"]
        )
        organisations = [
            (Organisation(municipality=municipality, kind=kind, short_name=short, full_name=full), size)
            for kind, short, full, size in spec["organisations"]
        ]
        Organisation.objects.bulk_create([organisation for organisation, _ in organisations])
        return self.populate(rng, organisations)

    def second_municipality(self) -> Municipality:
        return Municipality.objects.get(name=self.data["second_municipality"]["name"])

    @transaction.atomic
    def ensure_region(self) -> tuple[str, str]:
        """The two demo municipalities in the region and in its educational district, and the regional
        coordinator's account; returns its (login, description)."""
        region = self.demo_region()
        names = [self.data["municipality"]["name"], self.data["second_municipality"]["name"]]
        Municipality.objects.filter(name__in=names, region__isnull=True).update(region=region)
        district, _created = EducationalDistrict.objects.get_or_create(
            region=region,
            name=self.data["district"]["name"],
            defaults={"office_name": self.data["district"]["office_name"]},
        )
        Municipality.objects.filter(name__in=names, district__isnull=True).update(district=district)
        username, first, middle, last = self.data["region_account"]
        user = self._user(username, first_name=f"{first} {middle}", last_name=last)
        Membership.objects.get_or_create(user=user, role=Role.REGIONAL_COORDINATOR, region=region)
        return username, f"{Role.REGIONAL_COORDINATOR.label}, {region}"

    def demo_municipality_and_schools(self) -> tuple[Municipality, list[Organisation]]:
        municipality = Municipality.objects.get(name=self.data["municipality"]["name"])
        schools = [
            Organisation.objects.get(municipality=municipality, short_name=spec[1])
            for spec in self.data["organisations"][:2]
        ]
        return municipality, schools

    def ensure_accounts(self) -> list[tuple[str, str]]:
        """The demo accounts (password ``demo``); returns (login, description) pairs."""
        municipality, schools = self.demo_municipality_and_schools()
        described = []
        for username, first, middle, last, role, school_index in self.data["accounts"]:
            user = self._user(username, first_name=f"{first} {middle}", last_name=last)
            if role in (Role.COORDINATOR, Role.HEAD):
                Membership.objects.get_or_create(
                    user=user, role=role, municipality=municipality, defaults={"phone": "+7 (84476) 3-25-41"}
                )
                described.append((username, f"{Role(role).label}, {municipality}"))
            else:
                Membership.objects.get_or_create(
                    user=user,
                    role=role,
                    organisation=schools[school_index],
                    defaults={"phone": f"+7 (84476) 3-1{school_index}-0{len(described)}"},
                )
                described.append((username, f"{Role(role).label}, {schools[school_index]}"))

        # The demo mentor and mentee are the two people of one active pair of school 1.
        school = schools[0]
        group = (
            MentoringGroup.objects.filter(
                organisation=school, status=MentoringGroup.Status.ACTIVE, program__isnull=False
            )
            .select_related("mentor")
            .order_by("pk")
            .first()
        )
        if group is not None:
            pair = {
                Role.MENTOR: group.mentor,
                Role.MENTEE: group.participations.select_related("mentee").first().mentee,
            }
        else:  # demo data loaded by an older version, before the demo pairs existed
            people = Person.objects.filter(organisation=school, consent_date__isnull=False).order_by("pk")
            pair = {
                Role.MENTOR: people.filter(mentor_profile__isnull=False).first(),
                Role.MENTEE: people.filter(mentee_profile__isnull=False).first(),
            }
        for username, role in (("mentor", Role.MENTOR), ("mentee", Role.MENTEE)):
            person = pair[role]
            user = self._user(
                username, first_name=f"{person.first_name} {person.middle_name}", last_name=person.last_name
            )
            Membership.objects.get_or_create(user=user, role=role, person=person)
            described.append((username, f"{role.label} {person.short_name}, {school}"))

        described.append(self.ensure_region())
        admin = self._user("admin", first_name="Администратор", last_name="")
        if not admin.is_superuser:
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])
        described.append(("admin", "Администратор портала (Django admin)"))
        return described

    @staticmethod
    def _user(username: str, **fields):
        User = get_user_model()
        fields.setdefault("email", f"{username}@kotel-edu.example.ru")
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def build(self, scale: str = "demo") -> DemoResult:
        load_reference_data()
        result = DemoResult()
        built = self.build_municipality()
        if built:
            result.created = True
            result.municipalities += 1
            result.organisations += len(built[1])
            result.people += built[2]
        second = self.build_second_municipality()
        if second is not None:
            result.created = True
            result.municipalities += 1
            result.organisations += len(self.data["second_municipality"]["organisations"])
            result.people += second
        if scale == "region":
            for district in self.data["region_municipalities"]:
                people = self.build_region_municipality(district)
                if people is not None:
                    result.created = True
                    result.municipalities += 1
                    result.organisations += REGION_ORGANISATIONS_PER_MUNICIPALITY
                    result.people += people
        if result.created and scale == "region":
            # A bulk load outruns autovacuum: plan the region's pages on fresh statistics (3× faster).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return result


# The requisites the demo's documents print (ГОСТ Р 7.0.97-2016): the place of the municipality's documents,
# and codes for the two schools of the journeys (made-up numbers of the right length).
DEMO_LOCALITY = "г. Котельниково"
DEMO_CODES = [("3413000011", "1023400000011"), ("3413000022", "1023400000022")]
# What an older demo signed its orders with, instead of a name.
OLD_DEMO_SIGNER = "Руководитель организации"


def demo_head_name(organisation: Organisation, names: dict) -> str:
    """A head for an organisation without a director's account, the same on every load: «Фамилия Имя Отчество»."""
    rng = random.Random(organisation.short_name)
    is_female = rng.random() < 0.7
    last = rng.choice(names["male_last"])
    first = rng.choice(names["female_first"] if is_female else names["male_first"])
    middle = patronymic(rng.choice(names["patronymic_roots"]), is_female)
    return f"{female(last) if is_female else last} {first} {middle}"


@transaction.atomic
def build_demo_requisites(municipality: Municipality, schools: list[Organisation]) -> bool:
    """The place of documents for the organisations that have none, ИНН and ОГРН for the journeys' schools, a
    head's name for those without a director in the portal, and that name on their signed orders; returns
    whether anything was added (a second load changes nothing)."""
    from .requisites import head_of

    organisations = Organisation.objects.filter(municipality=municipality)
    added = bump(organisations.filter(locality=""), locality=DEMO_LOCALITY)
    for school, (inn, ogrn) in zip(schools, DEMO_CODES, strict=False):
        added += bump(organisations.filter(pk=school.pk, inn=""), inn=inn, ogrn=ogrn)
    directed = Membership.objects.filter(role=Role.DIRECTOR).values("organisation_id")
    names = load_data()["names"]
    for organisation in organisations.filter(head_name="").exclude(pk__in=directed):
        added += bump(organisations.filter(pk=organisation.pk), head_name=demo_head_name(organisation, names))
    unnamed = MentoringOrder.objects.signed().filter(organisation__municipality=municipality)
    for order in unnamed.filter(signed_by__in=["", OLD_DEMO_SIGNER]).select_related("organisation"):
        head = head_of(order.organisation)
        if head is not None:
            added += bump(MentoringOrder.objects.filter(pk=order.pk), signed_by=head.full_name)
    return bool(added)


@transaction.atomic
def build_demo_draft_order(school: Organisation, max_pairs: int = 2) -> bool:
    """A draft order (проект приказа) of ``school`` prepared by its curator, holding one or two draft pairs
    whose people have given every consent, ready for the director to sign; returns whether it was added.

    Made once: a school that has a draft, or an order its curator prepared (the demo draft, signed), is left
    alone. When no draft pair of the school is ready, a pair of a free mentee and a mentor with a free place
    is formed first, with the consents recorded.
    """
    # Imported here, beside the one builder that needs them.
    from django.core.exceptions import ValidationError
    from django.db.models import Q

    from .services import check_activation, order_prepare

    curator = (
        Membership.objects.filter(organisation=school, role=Role.CURATOR).select_related("user").order_by("pk").first()
    )
    if curator is None:
        return False
    made = Q(status=MentoringOrder.Status.DRAFT) | Q(prepared_by=curator.user)
    if MentoringOrder.objects.filter(organisation=school).filter(made).exists():
        return False
    candidates = (
        MentoringGroup.objects.filter(
            organisation=school,
            status=MentoringGroup.Status.DRAFT,
            order__isnull=True,
            mentor_consent_date__isnull=False,
            participations__isnull=False,
        )
        .exclude(participations__consent_date__isnull=True)
        .distinct()
        .order_by("pk")
    )
    chosen: list[MentoringGroup] = []
    for group in candidates:
        try:
            check_activation([*chosen, group])
        except ValidationError:
            continue
        chosen.append(group)
        if len(chosen) == max_pairs:
            break
    if not chosen and (group := _demo_ready_pair(school, curator.user)):
        chosen = [group]
    if not chosen:
        return False
    order_prepare(user=curator.user, organisation=school, groups=chosen)
    return True


def _demo_ready_pair(school: Organisation, user) -> MentoringGroup | None:
    """A new draft pair of ``school`` with every consent: the newest mentee in no live pair, and a mentor who
    already leads a pair and has a free place. People in no pair stay so: they are the ones whose consent
    the demo can show being withdrawn (a live pair refuses it)."""
    from django.db.models import Count, F, Q

    from .services import group_create, group_record_consents

    live = [MentoringGroup.Status.DRAFT, MentoringGroup.Status.ACTIVE]
    mentee = (
        Person.objects.filter(organisation=school, consent_date__isnull=False, mentee_profile__status="active")
        .exclude(participations__group__status__in=live)
        .order_by("-pk")
        .first()
    )
    mentor = (
        MentorProfile.objects.filter(person__organisation=school, person__consent_date__isnull=False, status="active")
        .exclude(person=mentee)
        .annotate(
            taken=Count("person__mentored_groups__participations", filter=Q(person__mentored_groups__status__in=live))
        )
        .filter(taken__gt=0, taken__lt=F("capacity"))
        .order_by("pk")
        .first()
    )
    if mentee is None or mentor is None:
        return None
    today = timezone.localdate()
    group = group_create(
        user=user,
        organisation=school,
        mentor=mentor.person,
        mentees=[mentee],
        form=MentoringForm.TEACHER_TEACHER,
        kinds=[MentoringKind.TRADITIONAL],
        start_date=today,
        planned_end_date=add_months(today, 9),
    )
    group_record_consents(group=group, mentor_consent_date=today, mentee_consents={mentee.pk: today})
    return group
