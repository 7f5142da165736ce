import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def regions_from_names(apps, schema_editor):
    Municipality = apps.get_model("registry", "Municipality")
    Region = apps.get_model("registry", "Region")
    for name in Municipality.objects.exclude(region_name="").values_list("region_name", flat=True).distinct():
        region, _created = Region.objects.get_or_create(name=name.strip())
        Municipality.objects.filter(region_name=name).update(region=region)


def names_from_regions(apps, schema_editor):
    Municipality = apps.get_model("registry", "Municipality")
    for municipality in Municipality.objects.filter(region__isnull=False).select_related("region"):
        municipality.region_name = municipality.region.name
        municipality.save(update_fields=["region_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0019_people_over_time"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EducationalDistrict",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255, verbose_name="название")),
                (
                    "office_name",
                    models.CharField(
                        blank=True,
                        help_text="Например: «Юго-Восточное управление министерства образования»",
                        max_length=255,
                        verbose_name="управление округа",
                    ),
                ),
            ],
            options={
                "verbose_name": "образовательный округ",
                "verbose_name_plural": "образовательные округа",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Region",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255, unique=True, verbose_name="субъект РФ")),
                (
                    "office_name",
                    models.CharField(
                        blank=True,
                        help_text="Например: «Комитет образования, науки и молодёжной политики Волгоградской области»",
                        max_length=255,
                        verbose_name="региональный орган управления образованием",
                    ),
                ),
            ],
            options={
                "verbose_name": "субъект РФ",
                "verbose_name_plural": "субъекты РФ",
                "ordering": ["name"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_unique",
        ),
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_scope_matches_role",
        ),
        migrations.AlterField(
            model_name="historicalmembership",
            name="role",
            field=models.CharField(
                choices=[
                    ("coordinator", "Муниципальный координатор"),
                    ("head", "Руководитель органа управления образованием"),
                    ("director", "Руководитель ОО"),
                    ("curator", "Куратор ОО"),
                    ("mentor", "Наставник"),
                    ("mentee", "Наставляемый"),
                    ("regional_coordinator", "Региональный координатор"),
                    ("district_coordinator", "Координатор образовательного округа"),
                ],
                max_length=20,
                verbose_name="роль",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("coordinator", "Муниципальный координатор"),
                    ("head", "Руководитель органа управления образованием"),
                    ("director", "Руководитель ОО"),
                    ("curator", "Куратор ОО"),
                    ("mentor", "Наставник"),
                    ("mentee", "Наставляемый"),
                    ("regional_coordinator", "Региональный координатор"),
                    ("district_coordinator", "Координатор образовательного округа"),
                ],
                max_length=20,
                verbose_name="роль",
            ),
        ),
        migrations.AddField(
            model_name="historicalmembership",
            name="district",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.educationaldistrict",
                verbose_name="образовательный округ",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="district",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                to="registry.educationaldistrict",
                verbose_name="образовательный округ",
            ),
        ),
        migrations.AddField(
            model_name="municipality",
            name="district",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="municipalities",
                to="registry.educationaldistrict",
                verbose_name="образовательный округ",
            ),
        ),
        migrations.AddField(
            model_name="educationaldistrict",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="districts",
                to="registry.region",
                verbose_name="субъект РФ",
            ),
        ),
        migrations.AddField(
            model_name="historicalmembership",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.region",
                verbose_name="субъект РФ",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                to="registry.region",
                verbose_name="субъект РФ",
            ),
        ),
        # The text field becomes a region of its own: one Region per distinct name, then the link.
        migrations.RenameField(model_name="municipality", old_name="region", new_name="region_name"),
        migrations.AddField(
            model_name="municipality",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="municipalities",
                to="registry.region",
                verbose_name="субъект РФ",
            ),
        ),
        migrations.RunPython(regions_from_names, names_from_regions),
        migrations.RemoveField(model_name="municipality", name="region_name"),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("municipality__isnull", False),
                        ("organisation__isnull", True),
                        ("person__isnull", True),
                        ("role__in", ("coordinator", "head")),
                    ),
                    models.Q(
                        ("municipality__isnull", True),
                        ("organisation__isnull", False),
                        ("role__in", ("director", "curator")),
                    ),
                    models.Q(
                        ("municipality__isnull", True),
                        ("organisation__isnull", True),
                        ("person__isnull", False),
                        ("role__in", ("mentor", "mentee")),
                    ),
                    models.Q(
                        ("district__isnull", True),
                        ("municipality__isnull", True),
                        ("organisation__isnull", True),
                        ("person__isnull", True),
                        ("region__isnull", False),
                        ("role", "regional_coordinator"),
                    ),
                    models.Q(
                        ("district__isnull", False),
                        ("municipality__isnull", True),
                        ("organisation__isnull", True),
                        ("person__isnull", True),
                        ("region__isnull", True),
                        ("role", "district_coordinator"),
                    ),
                    _connector="OR",
                ),
                name="membership_scope_matches_role",
                violation_error_message="Координатор и руководитель органа управления образованием закрепляются за муниципалитетом, руководитель и куратор — за организацией, наставник и наставляемый — за карточкой педагога, региональный координатор — за субъектом РФ, координатор округа — за округом.",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                fields=("user", "role", "municipality", "organisation", "person", "region", "district"),
                name="membership_unique",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="educationaldistrict",
            constraint=models.UniqueConstraint(
                fields=("region", "name"),
                name="district_unique_in_region",
                violation_error_message="В этом субъекте РФ уже есть округ с таким названием.",
            ),
        ),
    ]
