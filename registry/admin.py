from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from .models import (
    Membership,
    MenteeProfile,
    MentoringGroup,
    MentoringOrder,
    MentorProfile,
    Municipality,
    Organisation,
    Person,
    Program,
    Subject,
    VocabularyTerm,
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["short_name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["short_name", "full_name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "middle_name", "organisation", "position"]
    list_select_related = ["organisation"]
    search_fields = ["full_name_search"]
    autocomplete_fields = ["organisation"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "municipality", "organisation", "person"]
    list_filter = ["role"]
    list_select_related = ["user", "municipality", "organisation", "person"]
    raw_id_fields = ["person"]


@admin.register(Subject)
class SubjectAdmin(ImportExportModelAdmin):
    """The subjects list, importable and exportable by a superuser as a spreadsheet."""

    search_fields = ["name"]


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(ImportExportModelAdmin):
    list_display = ["name", "vocabulary", "municipality", "is_active"]
    list_filter = ["vocabulary", "is_active"]
    search_fields = ["name"]


admin.site.register(MentoringGroup, raw_id_fields=["mentor", "organisation", "order"])
admin.site.register(MentoringOrder)
admin.site.register(Program, raw_id_fields=["group", "organisation", "source"])
admin.site.register(MentorProfile, raw_id_fields=["person"])
admin.site.register(MenteeProfile, raw_id_fields=["person"])
