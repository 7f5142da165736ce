"""Day one of a municipality: the municipality, its first coordinator, optionally its list of organisations.

The coordinator then creates everyone else in the portal; nobody needs the Django admin. The
command is idempotent: run again, it finds what it made and changes nothing (the password
included), so a deployment script may call it every time. With a list of organisations it is
all or nothing: a refused row leaves no municipality, no account and no organisation behind.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import RegexValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts import ANONYMISED_ACCOUNT_PREFIX
from registry.models import Membership, Municipality, Role
from registry.organisation_import import apply_organisations, plan_organisations

# No 0/O, 1/l/I: the password is read out over the phone or copied from a printout.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
USERNAME = RegexValidator(r"^[\w.@+-]+\Z", gettext_lazy("Только латинские буквы, цифры и знаки @ . + - _"))


def temporary_password(user, length: int = 12) -> str:
    """A random password that passes the project's validators (it has to be typed, so no symbols)."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


class Command(BaseCommand):
    stealth_options = ("stdin",)

    @property
    def help(self) -> str:  # argparse wants a str, not a lazy translation
        return _("Создать муниципалитет и его первого координатора; при --organisations загрузить список организаций.")

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("Название муниципалитета, например «Котельниковский муниципальный район»"))
        parser.add_argument("--coordinator-username", required=True, help=_("Имя для входа координатора"))
        parser.add_argument("--coordinator-name", required=True, help=_("Фамилия Имя Отчество координатора"))
        parser.add_argument("--email", default="", help=_("Электронная почта координатора"))
        parser.add_argument("--organisations", help=_("Таблица организаций (.xlsx, .csv, .docx)"))
        parser.add_argument("--password-stdin", action="store_true", help=_("Прочитать пароль из стандартного ввода"))

    def handle(self, *args, name, coordinator_username, coordinator_name, email, organisations, **options):
        name, username = " ".join(name.split()), coordinator_username.strip()
        if not name or len(name) > Municipality._meta.get_field("name").max_length:
            raise CommandError(_("Укажите название муниципалитета (не длиннее 255 знаков)."))
        self.check_account(username, coordinator_name, email)
        content = self.read_file(organisations) if organisations else None
        password = options.get("stdin", sys.stdin).readline().rstrip("\n") if options["password_stdin"] else None
        lines = []
        with transaction.atomic():
            municipality = Municipality.objects.filter(name__iexact=name).first()
            created = municipality is None
            municipality = municipality or Municipality.objects.create(name=name)
            lines.append(
                (_("Создан муниципалитет «%(name)s».") if created else _("Муниципалитет «%(name)s» уже есть."))
                % {"name": name}
            )
            lines += self.ensure_coordinator(municipality, username, coordinator_name, email, password)
            if content is not None:
                lines += self.load(municipality, Path(organisations).name, content)
        for line in lines:
            self.stdout.write(line)

    def check_account(self, username: str, full_name: str, email: str) -> None:
        try:
            USERNAME(username)
            if email:
                validate_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if username.lower().startswith(ANONYMISED_ACCOUNT_PREFIX):
            raise CommandError(_("Такие имена зарезервированы для обезличенных учётных записей."))
        if len(full_name.split()) < 2:
            raise CommandError(_("Укажите фамилию и имя координатора: «Кондрашова Наталья Викторовна»."))

    def read_file(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except FileNotFoundError:
            raise CommandError(_("Файл %(path)s не найден.") % {"path": path}) from None
        except OSError as error:
            raise CommandError(_("Не удалось прочитать файл %(path)s.") % {"path": path}) from error

    def ensure_coordinator(self, municipality, username: str, full_name: str, email: str, password: str | None):
        """The coordinator's account, found or created; an account of someone else is never taken over."""
        User = get_user_model()
        user = User.objects.filter(username__iexact=username).first()
        if user is not None:
            if not Membership.objects.filter(user=user, role=Role.COORDINATOR, municipality=municipality).exists():
                raise CommandError(
                    _("Имя пользователя «%(username)s» уже занято другой учётной записью. Выберите другое имя.")
                    % {"username": username}
                )
            return [_("Координатор %(username)s уже есть; пароль не менялся.") % {"username": user.username}]
        last_name, _space, first_name = full_name.strip().partition(" ")
        user = User(username=username, last_name=last_name, first_name=" ".join(first_name.split()), email=email)
        if password is None:
            password, shown = temporary_password(user), True
        else:
            shown = False
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        membership = Membership(user=user, role=Role.COORDINATOR, municipality=municipality)
        membership.full_clean()
        membership.save()
        lines = [_("Создан координатор: %(name)s.") % {"name": user.get_full_name()}]
        lines.append(_("Имя для входа: %(username)s") % {"username": username})
        if shown:
            lines.append(
                _("Временный пароль: %(password)s (передайте лично; после входа его можно сменить).")
                % {"password": password}
            )
        return lines

    def load(self, municipality, file_name: str, content: bytes) -> list[str]:
        plan = plan_organisations(municipality=municipality, file_name=file_name, content=content)
        if plan.error:
            raise CommandError(plan.error)
        refused = [row for row in plan.rows if row.action == "refused"]
        if refused:
            details = "\n".join(
                _("Строка %(number)s: %(errors)s") % {"number": row.number, "errors": "; ".join(row.errors)}
                for row in refused
            )
            raise CommandError(
                _(
                    "Ничего не записано: в списке организаций есть строки с ошибками. "
                    "Исправьте их и запустите команду снова."
                )
                + "\n"
                + details
            )
        result = apply_organisations(user=None, municipality=municipality, plan=plan)
        if result["error"]:
            raise CommandError(result["error"])
        return [
            *plan.notices,
            _("Организации: создано %(create)s, обновлено %(update)s, без изменений %(unchanged)s.") % result,
        ]
