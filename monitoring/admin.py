from django.contrib import admin

from .models import MonitoringPeriod, Questionnaire, SchoolReport

admin.site.register(MonitoringPeriod)
admin.site.register(Questionnaire)
admin.site.register(SchoolReport, list_display=["period", "organisation", "status", "submitted_at"])
