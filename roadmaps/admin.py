from django.contrib import admin

from .models import Revision, Roadmap


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "organisation", "municipality", "is_template"]
    list_filter = ["level", "is_template"]
    search_fields = ["title"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["roadmap", "number", "status", "approved_at"]
    list_filter = ["status"]
