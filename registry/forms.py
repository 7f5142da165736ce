from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring_portal.concurrency import GuardedForm
from mentoring_portal.forms import PDF_AND_IMAGES, DateInput, check_upload

from .models import (
    MenteeProfile,
    MentorProfile,
    Municipality,
    Organisation,
    Person,
    Subject,
    Vocabulary,
    VocabularyTerm,
    scope_of,
)


class ConsentDateMixin:
    """A consent is given before it is recorded: its date is never in the future."""

    def clean_consent_date(self):
        value = self.cleaned_data.get("consent_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата согласия не может быть в будущем."))
        return value


EMBLEM_TYPES = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}
EMBLEM_MAX_BYTES = 1024 * 1024


class OrganisationForm(GuardedForm, forms.ModelForm):
    """The organisation's card with the requisites its documents print (ГОСТ Р 7.0.97-2016)."""

    website = forms.URLField(label=_("Сайт"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            "municipality",
            "kind",
            "full_name",
            "short_name",
            "address",
            "phone",
            "email",
            "website",
            "head_position",
            "head_name",
            "locality",
            "inn",
            "ogrn",
            "emblem",
        ]
        widgets = {"emblem": forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg"})}

    def clean_emblem(self):
        """A picture the documents can print: PNG or JPEG by its first bytes, small, and readable as an image."""
        emblem = self.cleaned_data.get("emblem")
        check_upload(
            emblem,
            types=EMBLEM_TYPES,
            max_bytes=EMBLEM_MAX_BYTES,
            wrong_type=_("Эмблема — картинка PNG или JPG."),
            too_big=_("Эмблема — не больше 1 МБ."),
        )
        if emblem and hasattr(emblem, "content_type"):
            from PIL import Image, UnidentifiedImageError

            try:
                with Image.open(emblem) as image:
                    image.verify()
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
                raise forms.ValidationError(_("Файл эмблемы повреждён или не картинка.")) from None
            finally:
                emblem.seek(0)
        return emblem

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        municipalities = Municipality.objects.all()
        if not scope.is_superuser:
            municipalities = municipalities.filter(pk__in=scope.municipality_ids)
        if self.instance.pk and not scope.is_superuser and self.instance.municipality_id not in scope.municipality_ids:
            # A director edits the card of the school, not its place in the municipality.
            del self.fields["municipality"]
        else:
            self.fields["municipality"].queryset = municipalities
            if len(scope.municipality_ids) == 1 and not self.instance.pk:
                self.fields["municipality"].initial = next(iter(scope.municipality_ids))


class PersonForm(ConsentDateMixin, GuardedForm, forms.ModelForm):
    experience_years = forms.IntegerField(
        label=_("Педагогический стаж, полных лет"),
        min_value=0,
        max_value=60,
        required=False,
        help_text=_("Заполните, если не знаете даты начала стажа: дата будет рассчитана от сегодняшнего дня."),
    )

    class Meta:
        model = Person
        fields = [
            "organisation",
            "last_name",
            "first_name",
            "middle_name",
            "position",
            "subjects",
            "qualification_category",
            "teaching_since",
            "experience_years",
            "email",
            "phone",
            "consent_date",
            "consent_document",
        ]
        widgets = {
            "teaching_since": DateInput(),
            "consent_date": DateInput(),
            "subjects": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.staffed_by(user).only("short_name")
        if "subjects" in self.fields:
            self.fields["subjects"].queryset = Subject.objects.visible_to(user)
        staffed = self.fields["organisation"].queryset
        if not self.instance.pk and staffed.count() == 1:
            self.fields["organisation"].initial = staffed.first()

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_middle_name(self):
        return " ".join(self.cleaned_data["middle_name"].split())

    def clean_teaching_since(self):
        value = self.cleaned_data.get("teaching_since")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата начала стажа не может быть в будущем."))
        return value

    def clean(self):
        cleaned = super().clean()
        organisation, subjects = cleaned.get("organisation"), cleaned.get("subjects")
        if organisation is not None and subjects:
            foreign = [s.name for s in subjects if s.municipality_id not in (None, organisation.municipality_id)]
            if foreign:
                self.add_error(
                    "subjects",
                    _("Предметы другого муниципалитета: %(names)s. Выберите общие или своего муниципалитета.")
                    % {"names": ", ".join(foreign)},
                )
        years = cleaned.get("experience_years")
        since = cleaned.get("teaching_since")
        if years is not None and since is not None:
            if self.instance.experience_years_from(since) != years:
                self.add_error(
                    "experience_years",
                    _("Стаж не совпадает с датой начала стажа. Оставьте одно из двух полей."),
                )
        elif years is not None:
            cleaned["teaching_since"] = timezone.localdate() - relativedelta(years=years)
        return cleaned


def validate_scan(upload) -> None:
    """A consent scan: PDF, JPEG or PNG, at most 5 MB."""
    check_upload(
        upload,
        types=PDF_AND_IMAGES,
        max_bytes=5 * 1024 * 1024,
        wrong_type=_("Загрузите скан в формате PDF, JPG или PNG."),
        too_big=_("Файл больше 5 МБ. Уменьшите разрешение скана."),
    )


class ProfileForm(ConsentDateMixin, GuardedForm, forms.ModelForm):
    """Shared by the mentor and mentee profiles: the managed lists the user may see, the scan checks."""

    vocabulary_fields: dict[str, str] = {}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        terms = VocabularyTerm.objects.visible_to(user)
        for name, vocabulary in self.vocabulary_fields.items():
            self.fields[name].queryset = terms.of(vocabulary)

    def clean_consent_scan(self):
        scan = self.cleaned_data.get("consent_scan")
        validate_scan(scan)
        return scan


class MentorProfileForm(ProfileForm):
    vocabulary_fields = {"competencies": Vocabulary.COMPETENCY, "achievements": Vocabulary.ACHIEVEMENT}

    class Meta:
        model = MentorProfile
        fields = [
            "competencies",
            "competencies_text",
            "achievements",
            "achievements_text",
            "capacity",
            "open_mentoring",
            "consent_date",
            "consent_scan",
            "status",
        ]
        widgets = {
            "consent_date": DateInput(),
            "competencies": forms.CheckboxSelectMultiple(),
            "achievements": forms.CheckboxSelectMultiple(),
            "competencies_text": forms.Textarea(attrs={"rows": 2}),
            "achievements_text": forms.Textarea(attrs={"rows": 2}),
        }


class MenteeProfileForm(ProfileForm):
    vocabulary_fields = {"requests": Vocabulary.REQUEST}

    class Meta:
        model = MenteeProfile
        fields = ["category", "requests", "requests_text", "consent_date", "consent_scan", "status"]
        widgets = {
            "consent_date": DateInput(),
            "requests": forms.CheckboxSelectMultiple(),
            "requests_text": forms.Textarea(attrs={"rows": 3}),
        }


class VocabularyTermForm(forms.ModelForm):
    class Meta:
        model = VocabularyTerm
        fields = ["vocabulary", "name", "municipality"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        municipalities = Municipality.objects.all()
        if not scope.is_superuser:
            municipalities = municipalities.filter(pk__in=scope.municipality_ids)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].required = True
        self.fields["municipality"].help_text = _("Пункт увидят организации этого муниципалитета.")
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean(self):
        cleaned = super().clean()
        name, vocabulary = cleaned.get("name"), cleaned.get("vocabulary")
        if (
            name
            and vocabulary
            and VocabularyTerm.objects.filter(
                vocabulary=vocabulary, name__iexact=name, municipality__isnull=True
            ).exists()
        ):
            self.add_error("name", _("Такой пункт уже есть в общем справочнике."))
        return cleaned


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Файл с таблицей"),
        help_text=_(
            "Книга Excel (.xlsx), CSV (UTF-8 или Windows-1251) или таблица в документе Word (.docx), "
            "не больше 5 МБ и 50 000 строк."
        ),
    )

    def __init__(self, *args, organisations=None, **kwargs):
        """``organisations``: whose teachers the user may load; asked which, when there are several."""
        super().__init__(*args, **kwargs)
        if organisations is not None and len(organisations[:2]) > 1:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Организация"),
                queryset=organisations,
                required=False,
                empty_label=_("— указана в столбце «ОО» —"),
                help_text=_("Если в файле нет столбца «ОО», выберите, чьих педагогов вы загружаете."),
            )
            self.order_fields(["organisation", "file"])

    def chosen_organisation(self) -> int | None:
        """The organisation's id, as the batch keeps it (JSON) for the rows that name none."""
        organisation = self.cleaned_data.get("organisation")
        return organisation.pk if organisation else None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        from mentoring_portal.spreadsheets import MAX_FILE_BYTES

        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Файл больше 5 МБ. Разделите таблицу на несколько файлов."))
        return upload


class WithdrawalForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Дата отзыва согласия"), widget=DateInput(), initial=timezone.localdate)
    confirm = forms.BooleanField(
        label=_("Понимаю: фамилия, имя, контакты, сканы согласий и история изменений будут удалены безвозвратно"),
        error_messages={"required": _("Подтвердите, что данные будут обезличены безвозвратно.")},
    )


# --- a person over time ---------------------------------------------------------------------------
class WorkplaceForm(forms.Form):
    """An additional place of work: the organisations offered are the municipality's, the main one aside."""

    organisation = forms.ModelChoiceField(label=_("Организация"), queryset=Organisation.objects.none())
    position = forms.CharField(label=_("Должность"), max_length=255)
    starts_on = forms.DateField(label=_("Начало работы"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class WorkplaceEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Окончание работы"),
        widget=DateInput(),
        initial=timezone.localdate,
        help_text=_("С этого дня педагог здесь уже не работает."),
    )

    def clean_ends_on(self):
        return _not_in_future(self.cleaned_data.get("ends_on"), _("Дата окончания работы не может быть в будущем."))


def _not_in_future(value, message):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


class TransferForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Перевести в организацию"), queryset=Organisation.objects.none())
    position = forms.CharField(label=_("Должность на новом месте"), max_length=255)
    on = forms.DateField(
        label=_("Дата перевода"),
        widget=DateInput(),
        initial=timezone.localdate,
        help_text=_("С этого дня педагог работает в новой организации; его пары в прежней завершаются этой датой."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_on(self):
        return _not_in_future(self.cleaned_data.get("on"), _("Дата перевода не может быть в будущем."))


class LeaveForm(forms.Form):
    on = forms.DateField(label=_("Дата выбытия"), widget=DateInput(), initial=timezone.localdate)
    confirm = forms.BooleanField(
        label=_("Понимаю: все места работы и пары педагога завершаются, школа перестаёт видеть карточку"),
        error_messages={"required": _("Подтвердите выбытие из муниципалитета.")},
    )

    def clean_on(self):
        return _not_in_future(self.cleaned_data.get("on"), _("Дата выбытия не может быть в будущем."))
