from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = "Дорожные карты"

    def ready(self):
        from . import desk  # noqa: F401  (registers what of roadmaps waits on the home page)
