"""Accounts of one's municipality or school: list, create, deactivate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..access import get_person_for
from ..accounts import AccountForm, can_manage_accounts, logger, manageable_users
from ..models import Membership
from .people import _page


def _require_manager(user) -> None:
    if not can_manage_accounts(user):
        raise PermissionDenied


def account_list(request):
    _require_manager(request.user)
    users = (
        manageable_users(request.user)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("municipality", "organisation", "person"),
            )
        )
        .order_by("last_name", "first_name", "username")
    )
    return render(request, "registry/account_list.html", {"page": _page(request, users)})


@require_http_methods(["GET", "POST"])
def account_create(request):
    _require_manager(request.user)
    person = None
    if person_id := request.GET.get("person", ""):
        if not person_id.isdecimal():
            raise Http404
        person = get_person_for(request.user, int(person_id), write=True)
    form = AccountForm(request.POST or None, user=request.user, person=person)
    if form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same name taken a moment ago, e.g. by a double click
            form.add_error("username", _("Такое имя пользователя уже занято."))
            return render(request, "registry/account_form.html", {"form": form, "person": person})
        if user.has_usable_password():
            text = _(
                "Учётная запись %(username)s создана. Передайте временный пароль лично: "
                "при первом входе его нужно сменить."
            )
        else:
            text = _("Учётная запись %(username)s создана. Приглашение задать пароль отправлено на %(email)s.")
        messages.success(request, text % {"username": user.username, "email": user.email})
        return redirect(person or "registry:account_list")
    return render(request, "registry/account_form.html", {"form": form, "person": person})


@require_POST
def account_active(request, pk: int):
    """Deactivate (or bring back) an account the user manages; the person's data stays."""
    _require_manager(request.user)
    try:
        account = manageable_users(request.user).get(pk=pk)
    except get_user_model().DoesNotExist:
        raise Http404 from None
    active = request.POST.get("active") == "1"
    account.is_active = active
    account.save(update_fields=["is_active"])
    logger.info("account %s %s by %s", account.username, "activated" if active else "deactivated", request.user)
    if active:
        messages.success(request, _("Учётная запись %(username)s снова действует.") % {"username": account.username})
    else:
        messages.success(
            request,
            _("Учётная запись %(username)s отключена: войти с ней больше нельзя.") % {"username": account.username},
        )
    return redirect("registry:account_list")
