"""Accounts within one's scope: who may create and deactivate whose account, with which role.

A head of the department or a coordinator manages the accounts of their municipality, a
director those of their school. Nobody grants a role wider than their own: a coordinator
cannot make a head of the department, a director cannot make a coordinator. An account is
manageable only when every role it holds is one the manager could have granted, so a
director can never lock out their municipality's coordinator.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from notices.invitations import invite
from notices.models import AccountSettings

from .models import (
    AREA_ROLES,
    ORGANISATION_ROLES,
    PERSON_ROLES,
    Membership,
    Municipality,
    Organisation,
    Person,
    Role,
    scope_of,
)

logger = logging.getLogger("portal.accounts")

# Account names given to anonymised people (registry.personal_data); nobody may take one.
ANONYMISED_ACCOUNT_PREFIX = "obezlicheno-"

# What each role may grant, narrowest last. Equal roles are not wider, so they are grantable.
GRANTS = {
    Role.HEAD: (Role.HEAD, Role.COORDINATOR, Role.DIRECTOR, Role.CURATOR, Role.MENTOR, Role.MENTEE),
    Role.COORDINATOR: (Role.COORDINATOR, Role.DIRECTOR, Role.CURATOR, Role.MENTOR, Role.MENTEE),
    Role.DIRECTOR: (Role.DIRECTOR, Role.CURATOR, Role.MENTOR, Role.MENTEE),
}


def grant_condition(user) -> Q | None:
    """Memberships the user could have granted, as a filter on Membership; None: no power to grant."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Q()
    condition = Q(pk__in=[])
    reach = {
        Role.HEAD: ("municipality", scope.headed_municipality_ids),
        Role.COORDINATOR: ("municipality", scope.municipality_ids - scope.headed_municipality_ids),
        Role.DIRECTOR: ("organisation", scope.directed_organisation_ids),
    }
    granted = False
    for role, (level, ids) in reach.items():
        if not ids:
            continue
        granted = True
        roles = GRANTS[role]
        if level == "municipality":
            municipal = [r for r in roles if r not in ORGANISATION_ROLES and r not in PERSON_ROLES]
            condition |= Q(role__in=municipal, municipality_id__in=ids)
            condition |= Q(role__in=ORGANISATION_ROLES, organisation__municipality_id__in=ids)
            condition |= Q(role__in=PERSON_ROLES, person__organisation__municipality_id__in=ids)
        else:
            condition |= Q(role__in=ORGANISATION_ROLES, organisation_id__in=ids)
            condition |= Q(role__in=PERSON_ROLES, person__organisation_id__in=ids)
    return condition if granted else None


def can_manage_accounts(user) -> bool:
    return grant_condition(user) is not None


def manageable_users(user):
    """Accounts the user may see in the list and deactivate: every role of theirs is grantable."""
    condition = grant_condition(user)
    User = get_user_model()
    if condition is None:
        return User.objects.none()
    if scope_of(user).is_superuser:
        return User.objects.exclude(pk=user.pk)
    return (
        User.objects.filter(memberships__in=Membership.objects.filter(condition))
        .exclude(memberships__in=Membership.objects.exclude(condition))
        .exclude(is_superuser=True)
        .exclude(is_staff=True)
        .exclude(pk=user.pk)
        .distinct()
    )


def grantable_roles(user, *, for_person: bool) -> list[tuple[str, str]]:
    scope = scope_of(user)
    if scope.is_superuser:
        allowed = set(Role.values)
    else:
        allowed = {role for held in scope.roles if held in GRANTS for role in GRANTS[held]}
    # The regional and district roles are granted in the admin, over a region or a district.
    wanted = PERSON_ROLES if for_person else tuple(r for r in Role if r not in PERSON_ROLES and r not in AREA_ROLES)
    return [(role.value, role.label) for role in Role if role in allowed and role in wanted]


class AccountForm(forms.Form):
    """A new account with one role. For a mentor or a mentee it is opened from their card."""

    username = forms.RegexField(
        label=_("Имя пользователя"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Только латинские буквы, цифры и знаки @ . + - _")},
    )
    last_name = forms.CharField(label=_("Фамилия"), max_length=150)
    first_name = forms.CharField(label=_("Имя"), max_length=150)
    email = forms.EmailField(label=_("Электронная почта"), required=False)
    role = forms.ChoiceField(label=_("Роль"))
    municipality = forms.ModelChoiceField(label=_("Муниципалитет"), queryset=None, required=False)
    organisation = forms.ModelChoiceField(label=_("Организация"), queryset=None, required=False)
    password1 = forms.CharField(
        label=_("Временный пароль"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Только если у человека нет электронной почты: не короче 8 знаков, не только цифры. Передайте его "
            "лично; при первом входе портал попросит сменить его. С адресом почты пароль не нужен: человек "
            "получит приглашение и задаст пароль сам."
        ),
    )
    password2 = forms.CharField(
        label=_("Пароль ещё раз"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.person = user, person
        self.fields["role"].choices = grantable_roles(user, for_person=person is not None)
        scope = scope_of(user)
        municipalities = Municipality.objects.all()
        self.fields["municipality"].queryset = (
            municipalities if scope.is_superuser else municipalities.filter(pk__in=scope.municipality_ids)
        )
        # The organisations whose card the user manages are exactly those they staff with accounts.
        self.fields["organisation"].queryset = Organisation.objects.manageable_by(user)
        if person is not None:
            del self.fields["municipality"], self.fields["organisation"]
            self.fields["last_name"].initial = person.last_name
            self.fields["first_name"].initial = person.first_name
            self.fields["email"].initial = person.email

    def clean_username(self):
        username = self.cleaned_data["username"]
        if username.lower().startswith(ANONYMISED_ACCOUNT_PREFIX):
            raise forms.ValidationError(_("Такие имена зарезервированы для обезличенных учётных записей."))
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Такое имя пользователя уже занято."))
        return username

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role and self.person is None:
            if role in (Role.COORDINATOR, Role.HEAD):
                if not cleaned.get("municipality"):
                    self.add_error("municipality", _("Выберите муниципалитет."))
                cleaned["organisation"] = None
            elif not cleaned.get("organisation"):
                self.add_error("organisation", _("Выберите организацию."))
            else:
                cleaned["municipality"] = None
        if role and not self.errors and not can_grant(self.actor, self.membership()):
            raise forms.ValidationError(_("Эту роль вы выдать не можете: она шире вашей или вне вашей организации."))
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if not first and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("password1", _("Укажите электронную почту для приглашения или задайте временный пароль."))
        elif first and first != second:
            self.add_error("password2", _("Пароли не совпадают."))
        elif first:
            probe = get_user_model()(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def membership(self) -> Membership:
        data = self.cleaned_data
        return Membership(
            role=data["role"],
            municipality=data.get("municipality"),
            organisation=data.get("organisation"),
            person=self.person,
        )

    @transaction.atomic
    def save(self):
        data = self.cleaned_data
        user = get_user_model().objects.create_user(
            username=data["username"],
            password=data["password1"] or None,  # none: the invitation lets the person set their own
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
        )
        membership = self.membership()
        membership.user = user
        membership.full_clean()
        membership.save()
        logger.info("account %s created by %s with role %s", user.username, self.actor.username, membership.role)
        if data["password1"]:
            AccountSettings.objects.create(user=user, must_change_password=True)
        else:
            place = membership.organisation or membership.municipality or (self.person and self.person.organisation)
            invite(user, organisation=str(place or ""), invited_by=self.actor.get_full_name() or self.actor.username)
        return user


def can_grant(user, membership: Membership) -> bool:
    """Could ``user`` grant this (unsaved) membership: a role no wider than theirs, over a target in reach."""
    scope = scope_of(user)
    if scope.is_superuser:
        return True
    allowed = {value for value, _label in grantable_roles(user, for_person=membership.person_id is not None)}
    if membership.role not in allowed:
        return False
    if membership.role == Role.HEAD:
        return membership.municipality_id in scope.headed_municipality_ids
    if membership.role == Role.COORDINATOR:
        return membership.municipality_id in scope.municipality_ids
    organisation = membership.organisation if membership.role in ORGANISATION_ROLES else membership.person.organisation
    return organisation.municipality_id in scope.municipality_ids or organisation.pk in scope.directed_organisation_ids
