from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Мониторинг"

    def ready(self):
        from . import desk  # noqa: F401  (registers what of monitoring waits on the home page)
