from django.apps import AppConfig


class RegionConfig(AppConfig):
    """The regional level: the region's and the educational district's read-only pages over their
    municipalities. No models of its own (``Region`` and ``EducationalDistrict`` are the registry's)."""

    name = "region"
    verbose_name = "Регион"
