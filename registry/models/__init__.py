"""The registry's models, one module per domain; everything is importable from ``registry.models``.

- ``scope``: roles, memberships and the scope they give a user (``scope_of``);
- ``people``: municipalities, organisations, people, subjects, vocabularies;
- ``banks``: the mentor and mentee banks;
- ``mentoring``: orders, pairs and groups, participations, events, programs, activities;
- ``imports``: uploaded spreadsheets and remembered column choices;
- ``regions``: the region (субъект РФ) and educational districts above municipalities;
- ``workplaces``: a person's places of work over time;
- ``years``: academic years.

Scoping: ``<Model>.objects.visible_to(user)`` is the only place that decides which rows a user
may read, ``manageable_by(user)`` which rows they may change. Views never filter by role themselves.
"""

from .banks import (
    MenteeProfile,
    MentorProfile,
    ProfileStatus,
    consent_upload_path,
)
from .imports import (
    ColumnChoice,
    ColumnChoiceQuerySet,
    CompactJSONEncoder,
    ImportBatch,
    ImportBatchQuerySet,
    column_owner,
)
from .mentoring import (
    Activity,
    EndReason,
    GroupEvent,
    GroupPause,
    MentoringForm,
    MentoringGroup,
    MentoringGroupQuerySet,
    MentoringKind,
    MentoringOrder,
    MentoringOrderQuerySet,
    MentorPeriod,
    Participation,
    PauseReason,
    Program,
    ProgramQuerySet,
)
from .people import (
    YOUNG_TEACHER_YEARS,
    Municipality,
    Organisation,
    OrganisationQuerySet,
    Person,
    PersonQuerySet,
    Subject,
    Vocabulary,
    VocabularyTerm,
    VocabularyTermQuerySet,
    normalise_query,
    normalised_name_expression,
    young_teacher_threshold,
)
from .regions import EducationalDistrict, Region
from .scope import (
    AREA_ROLES,
    MUNICIPAL_ROLES,
    ORGANISATION_ROLES,
    PERSON_ROLES,
    Membership,
    MembershipQuerySet,
    Role,
    Scope,
    scope_of,
)
from .workplaces import Workplace, WorkplaceEnd, WorkplaceQuerySet
from .years import AcademicYear, AcademicYearQuerySet

__all__ = [
    "AREA_ROLES",
    "MUNICIPAL_ROLES",
    "ORGANISATION_ROLES",
    "PERSON_ROLES",
    "YOUNG_TEACHER_YEARS",
    "AcademicYear",
    "AcademicYearQuerySet",
    "Activity",
    "ColumnChoice",
    "ColumnChoiceQuerySet",
    "CompactJSONEncoder",
    "EducationalDistrict",
    "EndReason",
    "GroupEvent",
    "GroupPause",
    "ImportBatch",
    "ImportBatchQuerySet",
    "Membership",
    "MembershipQuerySet",
    "MenteeProfile",
    "MentorPeriod",
    "MentorProfile",
    "MentoringForm",
    "MentoringGroup",
    "MentoringGroupQuerySet",
    "MentoringKind",
    "MentoringOrder",
    "MentoringOrderQuerySet",
    "Municipality",
    "Organisation",
    "OrganisationQuerySet",
    "Participation",
    "PauseReason",
    "Person",
    "PersonQuerySet",
    "ProfileStatus",
    "Program",
    "ProgramQuerySet",
    "Region",
    "Role",
    "Scope",
    "Subject",
    "Vocabulary",
    "VocabularyTerm",
    "VocabularyTermQuerySet",
    "Workplace",
    "WorkplaceEnd",
    "WorkplaceQuerySet",
    "column_owner",
    "consent_upload_path",
    "normalise_query",
    "normalised_name_expression",
    "scope_of",
    "young_teacher_threshold",
]
