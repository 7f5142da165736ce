from django.contrib import admin

from .models import Membership, MenteeProfile, MentorProfile, Municipality, Organisation, Person, Subject


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


admin.site.register(Subject)
admin.site.register(MentorProfile, raw_id_fields=["person"])
admin.site.register(MenteeProfile, raw_id_fields=["person"])
