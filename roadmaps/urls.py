from django.urls import path

from . import views, year_views

app_name = "roadmaps"

urlpatterns = [
    path("", views.roadmap_list, name="roadmap_list"),
    path("new/", views.roadmap_create_view, name="roadmap_create"),
    path("overview/", views.roadmap_overview, name="roadmap_overview"),
    path("new-year/", year_views.school_new_year, name="school_new_year"),
    path("new-year/municipality/", year_views.municipality_new_year, name="municipality_new_year"),
    path("import/", views.roadmap_import, name="roadmap_import"),
    path("import/<int:pk>/", views.roadmap_import_preview, name="roadmap_import_preview"),
    path("import/<int:pk>/columns/", views.roadmap_import_columns, name="roadmap_import_columns"),
    path("import/<int:pk>/confirm/", views.roadmap_import_confirm, name="roadmap_import_confirm"),
    path("<int:pk>/", views.roadmap_detail, name="roadmap_detail"),
    path("<int:pk>/edit/", views.roadmap_edit, name="roadmap_edit"),
    path("<int:pk>/submit/", views.roadmap_submit, name="roadmap_submit"),
    path("<int:pk>/approve/", views.roadmap_approve, name="roadmap_approve"),
    path("<int:pk>/return/", views.roadmap_return, name="roadmap_return"),
    path("<int:pk>/revise/", views.roadmap_revise, name="roadmap_revise"),
    path("<int:pk>/pdf/", views.roadmap_document, {"format": "pdf"}, name="roadmap_pdf"),
    path("<int:pk>/docx/", views.roadmap_document, {"format": "docx"}, name="roadmap_docx"),
    path("<int:pk>/xlsx/", views.roadmap_xlsx, name="roadmap_xlsx"),
    path("<int:pk>/items/<int:item_pk>/", views.item_track_view, name="item_track"),
    path("<int:pk>/items/<int:item_pk>/evidence/", views.item_evidence, name="item_evidence"),
]
