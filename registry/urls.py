from django.urls import path, register_converter

from .views import accounts, careers, imports, mentoring, organisation_imports, people


class ProfileKindConverter:
    """The two banks: /people/5/mentor/ and /people/5/mentee/; anything else is a 404."""

    regex = "mentor|mentee"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProfileKindConverter, "profile")

app_name = "registry"

urlpatterns = [
    path("organisations/", people.organisation_list, name="organisation_list"),
    path("organisations/new/", people.organisation_create, name="organisation_create"),
    path("organisations/import/", organisation_imports.organisation_import_upload, name="organisation_import_upload"),
    path(
        "organisations/import/<int:pk>/",
        organisation_imports.organisation_import_preview,
        name="organisation_import_preview",
    ),
    path(
        "organisations/import/<int:pk>/columns/",
        organisation_imports.organisation_import_columns,
        name="organisation_import_columns",
    ),
    path(
        "organisations/import/<int:pk>/confirm/",
        organisation_imports.organisation_import_confirm,
        name="organisation_import_confirm",
    ),
    path(
        "municipalities/<int:pk>/organisations.xlsx",
        people.organisation_summary_export,
        name="organisation_summary_export",
    ),
    path("organisations/<int:pk>/", people.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", people.organisation_update, name="organisation_update"),
    path("people/", people.person_list, name="person_list"),
    path("people/export.xlsx", people.person_export, name="person_export"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_update, name="person_update"),
    path("people/<int:pk>/personal-data.xlsx", people.person_data_export, name="person_data_export"),
    path("people/<int:pk>/withdraw/", people.person_withdraw, name="person_withdraw"),
    path("people/<int:pk>/workplaces/new/", careers.workplace_create, name="workplace_create"),
    path("people/<int:pk>/workplaces/<int:workplace_pk>/end/", careers.workplace_end_view, name="workplace_end"),
    path("people/<int:pk>/transfer/", careers.person_transfer_view, name="person_transfer"),
    path("people/<int:pk>/leave/", careers.person_leave_view, name="person_leave"),
    path("people/<int:pk>/merge/", careers.person_merge_search, name="person_merge_search"),
    path("people/<int:pk>/merge/<int:other_pk>/", careers.person_merge_view, name="person_merge"),
    path("people/<int:pk>/<profile:kind>/", people.profile_edit, name="profile_edit"),
    path("people/<int:pk>/<profile:kind>/consent/", people.consent_scan, name="consent_scan"),
    path("curators/", people.curator_list, name="curator_list"),
    path("curators/<int:pk>/order.pdf", mentoring.curator_order_document, {"format": "pdf"}, name="curator_order_pdf"),
    path(
        "curators/<int:pk>/order.docx",
        mentoring.curator_order_document,
        {"format": "docx"},
        name="curator_order_docx",
    ),
    path("users/", accounts.account_list, name="account_list"),
    path("users/new/", accounts.account_create, name="account_create"),
    path("users/<int:pk>/active/", accounts.account_active, name="account_active"),
    path("vocabularies/", people.vocabulary_list, name="vocabulary_list"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/columns/", imports.import_columns, name="import_columns"),
    path("import/<int:pk>/organisations/", imports.import_organisations, name="import_organisations"),
    path("import/<int:pk>/refused.xlsx", imports.import_refused, name="import_refused"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path(
        "people/<int:pk>/<profile:kind>/consent.pdf",
        mentoring.consent_document,
        {"format": "pdf"},
        name="consent_pdf",
    ),
    path(
        "people/<int:pk>/<profile:kind>/consent.docx",
        mentoring.consent_document,
        {"format": "docx"},
        name="consent_docx",
    ),
    path("pairs/", mentoring.group_list, name="group_list"),
    path("pairs/match/", mentoring.group_match, name="group_match"),
    path("pairs/new/", mentoring.group_create_view, name="group_create"),
    path("pairs/<int:pk>/", mentoring.group_detail, name="group_detail"),
    path("pairs/<int:pk>/consents/", mentoring.group_consents, name="group_consents"),
    path("pairs/<int:pk>/end/", mentoring.group_end, name="group_end"),
    path("pairs/<int:pk>/pause/", mentoring.group_pause_view, name="group_pause"),
    path("pairs/<int:pk>/resume/", mentoring.group_resume_view, name="group_resume"),
    path("pairs/<int:pk>/mentor/", mentoring.group_mentor_change_view, name="group_mentor_change"),
    path("pairs/<int:pk>/program/new/", mentoring.program_create, name="program_create"),
    path("pairs/<int:pk>/program/from-bank/", mentoring.program_from_bank, name="program_from_bank"),
    path("orders/", mentoring.order_list, name="order_list"),
    path("orders/new/", mentoring.order_create, name="order_create"),
    path("orders/<int:pk>/", mentoring.order_detail, name="order_detail"),
    path("orders/<int:pk>/pdf/", mentoring.order_document, {"format": "pdf"}, name="order_pdf"),
    path("orders/<int:pk>/docx/", mentoring.order_document, {"format": "docx"}, name="order_docx"),
    path("orders/<int:pk>/sign/", mentoring.order_sign_view, name="order_sign"),
    path("orders/<int:pk>/withdraw/", mentoring.order_withdraw_view, name="order_withdraw"),
    path("programs/bank/", mentoring.program_bank, name="program_bank"),
    path("programs/<int:pk>/", mentoring.program_detail, name="program_detail"),
    path("programs/<int:pk>/edit/", mentoring.program_update, name="program_update"),
    path("programs/<int:pk>/pdf/", mentoring.program_document, {"format": "pdf"}, name="program_pdf"),
    path("programs/<int:pk>/docx/", mentoring.program_document, {"format": "docx"}, name="program_docx"),
    path("programs/<int:pk>/result/", mentoring.program_result, name="program_result"),
    path("programs/<int:pk>/self-assessment/", mentoring.program_self_assessment, name="program_self_assessment"),
    path("programs/<int:pk>/to-bank/", mentoring.program_to_bank, name="program_to_bank"),
    path("programs/<int:pk>/activities/<int:activity_pk>/", mentoring.activity_mark, name="activity_mark"),
]
