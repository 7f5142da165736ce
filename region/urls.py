from django.urls import path, register_converter

from . import views


class AreaKind:
    regex = "region|district"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AreaKind, "area")

app_name = "region"

urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("<area:kind>/<int:pk>/", views.area_detail, name="area_detail"),
    path("<area:kind>/<int:pk>/municipalities/<int:municipality_pk>/", views.municipality, name="municipality"),
    path("<area:kind>/<int:pk>/report.pdf", views.area_report, name="area_report"),
    path("<area:kind>/<int:pk>/figures.xlsx", views.area_figures, name="area_figures"),
]
