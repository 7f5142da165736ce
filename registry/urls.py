from django.urls import path, register_converter

from . import views


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
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_update, name="organisation_update"),
    path("people/", views.person_list, name="person_list"),
    path("people/export.xlsx", views.person_export, name="person_export"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_update, name="person_update"),
    path("people/<int:pk>/<profile:kind>/", views.profile_edit, name="profile_edit"),
    path("people/<int:pk>/<profile:kind>/consent/", views.consent_scan, name="consent_scan"),
    path("curators/", views.curator_list, name="curator_list"),
    path("vocabularies/", views.vocabulary_list, name="vocabulary_list"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
]
