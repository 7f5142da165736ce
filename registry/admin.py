from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook

from mentoring_portal.exporters import XlsxSheet, save

from .models import (
    EducationalDistrict,
    Membership,
    MenteeProfile,
    MentoringGroup,
    MentoringOrder,
    MentorProfile,
    Municipality,
    Organisation,
    Person,
    Program,
    Region,
    Subject,
    VocabularyTerm,
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "district"]
    list_filter = ["region", "district"]
    search_fields = ["name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(EducationalDistrict)
class EducationalDistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
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


class TextXLSX(XLSX):
    """The admin's export as xlsx with every text written as text, as the portal's own exports do.

    tablib stores a value that begins with «=» as a live formula (a subject or a term named
    «=HYPERLINK(...)» would run in the superuser's Excel); a csv export has no way to say «text».
    """

    def export_data(self, dataset, **kwargs) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = XlsxSheet(workbook, "Export")
        sheet.append(dataset.headers or [], bold=True)
        for row in dataset:
            sheet.append(row)
        return save(workbook)


class TextExportMixin:
    """Only the xlsx export that writes text as text; every import format stays."""

    export_formats = [TextXLSX]


@admin.register(Subject)
class SubjectAdmin(TextExportMixin, ImportExportModelAdmin):
    """The subjects list, importable and exportable by a superuser as a spreadsheet."""

    search_fields = ["name"]


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(TextExportMixin, ImportExportModelAdmin):
    list_display = ["name", "vocabulary", "municipality", "is_active"]
    list_filter = ["vocabulary", "is_active"]
    search_fields = ["name"]


admin.site.register(MentoringGroup, raw_id_fields=["mentor", "organisation", "order"])
admin.site.register(MentoringOrder)
admin.site.register(Program, raw_id_fields=["group", "organisation", "source"])
admin.site.register(MentorProfile, raw_id_fields=["person"])
admin.site.register(MenteeProfile, raw_id_fields=["person"])
