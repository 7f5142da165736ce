from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisations/<int:pk>/", views.school_dashboard, name="school_dashboard"),
    path("organisations/<int:pk>/readiness/", views.readiness_edit, name="readiness_edit"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/new/", views.period_create, name="period_create"),
    path("periods/<int:pk>/", views.period_detail, name="period_detail"),
    path("periods/<int:pk>/remind/", views.period_remind_view, name="period_remind"),
    path("periods/<int:pk>/conclusions/", views.period_conclusions, name="period_conclusions"),
    path("periods/<int:pk>/report.pdf", views.period_report, {"format": "pdf"}, name="period_pdf"),
    path("periods/<int:pk>/report.docx", views.period_report, {"format": "docx"}, name="period_docx"),
    path("periods/<int:pk>/figures.xlsx", views.period_xlsx, name="period_xlsx"),
    path("periods/<int:pk>/schools/<int:organisation_pk>/submit/", views.period_submit, name="period_submit"),
    path(
        "periods/<int:pk>/schools/<int:organisation_pk>/report.pdf",
        views.school_report,
        {"format": "pdf"},
        name="school_report_pdf",
    ),
    path(
        "periods/<int:pk>/schools/<int:organisation_pk>/report.docx",
        views.school_report,
        {"format": "docx"},
        name="school_report_docx",
    ),
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", views.questionnaire_create, name="questionnaire_create"),
    path("questionnaires/<int:pk>/edit/", views.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/answer/", views.questionnaire_answer, name="questionnaire_answer"),
    path("questionnaires/<int:pk>/results/", views.questionnaire_results_view, name="questionnaire_results"),
]
