from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring_portal.concurrency import GuardedForm
from mentoring_portal.forms import PDF_AND_IMAGES, DateInput, OnlyChoiceMixin, check_upload
from registry.models import Municipality, Organisation

from .models import Item, Revision, Roadmap

EVIDENCE_TYPES = PDF_AND_IMAGES | {".docx": b"PK\x03\x04", ".xlsx": b"PK\x03\x04"}


class RoadmapOwnerMixin(OnlyChoiceMixin):
    """Whose the new roadmap is: asked only of those who curate several schools or coordinate several municipalities.

    ``organisations`` and ``municipalities`` come from ``roadmaps.access`` (``owner_organisations``,
    ``owner_municipalities``); the access check is repeated when the roadmap is created.
    """

    def limit_owners(self, *, kinds, organisations, municipalities) -> None:
        self.fields["organisation"] = forms.ModelChoiceField(
            label=_("Организация"),
            queryset=Organisation.objects.none(),
            required=False,
            help_text=_("Чья это дорожная карта: вы куратор нескольких организаций."),
        )
        self.fields["municipality"] = forms.ModelChoiceField(
            label=_("Муниципалитет"),
            queryset=Municipality.objects.none(),
            required=False,
            help_text=_("Для муниципальной дорожной карты и образца: вы координатор нескольких муниципалитетов."),
        )
        if "school" in kinds:
            self.limit_choice("organisation", organisations)
        else:
            del self.fields["organisation"]
        if {"municipal", "sample"} & set(kinds):
            self.limit_choice("municipality", municipalities)
        else:
            del self.fields["municipality"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == "school" and not cleaned.get("organisation") and "organisation" in self.fields:
            self.add_error("organisation", _("Выберите организацию."))
        if kind in ("municipal", "sample") and not cleaned.get("municipality") and "municipality" in self.fields:
            self.add_error("municipality", _("Выберите муниципалитет."))
        return cleaned


class RoadmapCreateForm(RoadmapOwnerMixin, forms.Form):
    source = forms.ModelChoiceField(
        label=_("Начать с"),
        queryset=Revision.objects.none(),
        required=False,
        empty_label=_("пустой дорожной карты"),
    )
    title = forms.CharField(label=_("Название"), max_length=500)
    period = forms.CharField(label=_("Период"), max_length=100, help_text=_("Например: 2026 или 2026–2027 учебный год"))
    basis = forms.CharField(label=_("Основание (приказ)"), max_length=500, required=False)
    kind = forms.ChoiceField(
        label=_("Что создаём"),
        choices=[
            ("school", _("Дорожную карту организации")),
            ("municipal", _("Муниципальную дорожную карту")),
            ("sample", _("Образец для организаций муниципалитета")),
        ],
    )

    def __init__(self, *args, sources, kinds, organisations, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_owners(kinds=kinds, organisations=organisations, municipalities=municipalities)
        self.fields["source"].queryset = sources
        self.fields["source"].label_from_instance = lambda revision: (
            f"{'Образец' if revision.roadmap.is_template else revision.roadmap.owner_name}: "
            f"{revision.roadmap.title} ({revision.roadmap.period or 'без периода'})"
        )
        self.fields["kind"].choices = [choice for choice in self.fields["kind"].choices if choice[0] in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
            self.fields["kind"].widget = forms.HiddenInput()


class HeaderForm(forms.ModelForm):
    class Meta:
        model = Roadmap
        fields = ["title", "period", "basis"]


class SectionForm(forms.Form):
    number = forms.CharField(label=_("№ раздела"), max_length=20)
    title = forms.CharField(label=_("Название раздела"), max_length=500)


class ItemForm(forms.Form):
    section_number = forms.CharField(label=_("Раздел"), max_length=20)
    number = forms.CharField(label=_("№"), max_length=20)
    content = forms.CharField(label=_("Мероприятие"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.CharField(label=_("Срок"), max_length=255, required=False)
    responsible = forms.CharField(label=_("Ответственный"), max_length=500, required=False)
    result = forms.CharField(label=_("Результат / вид документа"), max_length=500, required=False)


SectionFormSet = forms.formset_factory(SectionForm, extra=1, can_delete=True)
ItemFormSet = forms.formset_factory(ItemForm, extra=3, can_delete=True)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput())


class ApproveForm(VersionForm):
    order = forms.CharField(
        label=_("Приказ об утверждении (номер и дата)"),
        max_length=100,
        required=False,
        help_text=_("Например: № 45 от 01.09.2026"),
        error_messages={"max_length": _("Приказ об утверждении: не больше 100 знаков.")},
    )
    agreed = forms.CharField(
        label=_("Согласовано (если есть)"),
        max_length=255,
        required=False,
        help_text=_("Например: протокол педагогического совета от 28.08.2026 № 1"),
        error_messages={"max_length": _("Согласование: не больше 255 знаков.")},
    )


class ReturnForm(VersionForm):
    comment = forms.CharField(label=_("Что исправить"), widget=forms.Textarea(attrs={"rows": 3}))


class TrackForm(GuardedForm, forms.Form):
    """Progress of an item; opened with ``guard=item`` so two people marking it cannot overwrite each other."""

    status = forms.ChoiceField(label=_("Выполнение"), choices=Item.Status.choices)
    done_on = forms.DateField(label=_("Дата выполнения"), required=False, widget=DateInput())
    evidence_note = forms.CharField(
        label=_("Подтверждение: примечание"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_link = forms.URLField(label=_("Ссылка"), required=False, assume_scheme="https", max_length=500)
    evidence_file = forms.FileField(
        label=_("Файл"), required=False, help_text=_("PDF, JPG, PNG, DOCX или XLSX, не больше 10 МБ.")
    )

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        check_upload(
            upload,
            types=EVIDENCE_TYPES,
            max_bytes=10 * 1024 * 1024,
            wrong_type=_("Загрузите PDF, JPG, PNG, DOCX или XLSX."),
            too_big=_("Файл больше 10 МБ."),
        )
        return upload


class RoadmapImportForm(RoadmapOwnerMixin, forms.Form):
    file = forms.FileField(
        label=_("Файл с дорожной картой"),
        help_text=_(
            "Документ Word (.docx), книга Excel (.xlsx) или CSV с таблицей мероприятий, до 5 МБ. "
            "Столбцы узнаются по названиям; что не узнано, можно указать на следующем шаге."
        ),
    )
    title = forms.CharField(
        label=_("Название"), max_length=500, required=False, help_text=_("Если пусто — возьмём заголовок над таблицей.")
    )
    period = forms.CharField(
        label=_("Период"), max_length=100, required=False, help_text=_("Если пусто — возьмём годы из заголовка.")
    )
    basis = forms.CharField(label=_("Основание (приказ)"), max_length=500, required=False)
    kind = RoadmapCreateForm.base_fields["kind"]

    def __init__(self, *args, kinds, organisations, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("Что создаём"),
            choices=[choice for choice in RoadmapCreateForm.base_fields["kind"].choices if choice[0] in kinds],
        )
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
            self.fields["kind"].widget = forms.HiddenInput()
        self.limit_owners(kinds=kinds, organisations=organisations, municipalities=municipalities)

    def owner_options(self) -> dict:
        """The chosen owner as the batch keeps it between the steps (a primary key, JSON)."""
        name = "organisation" if self.cleaned_data["kind"] == "school" else "municipality"
        owner = self.cleaned_data.get(name)
        return {name: owner.pk} if owner else {}

    def clean_file(self):
        from mentoring_portal.spreadsheets import MAX_FILE_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Файл больше 5 МБ."))
        return upload


class RoadmapDetailsForm(forms.Form):
    """What the new roadmap is called, offered from the file and corrected before it is created."""

    title = forms.CharField(label=_("Название"), max_length=500)
    period = forms.CharField(label=_("Период"), max_length=100, help_text=_("Например: 2022 или 2022–2023 учебный год"))
    basis = forms.CharField(label=_("Основание (приказ)"), max_length=500, required=False)
