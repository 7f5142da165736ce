"""«Уведомления»: the user's own notices; the account page with the digest switch; password changes that
lift the forced change of a temporary password."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .models import AccountSettings, Notice

FORCED = "must_change_password"


def notice_list(request):
    notices = Notice.objects.filter(user=request.user)
    unread = notices.filter(read_at__isnull=True).count()
    return render(
        request,
        "notices/notice_list.html",
        {"page": Paginator(notices, settings.PAGE_SIZE).get_page(request.GET.get("page")), "unread": unread},
    )


@require_POST
def notice_read(request):
    Notice.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notices:notice_list")


class AccountSettingsForm(forms.ModelForm):
    class Meta:
        model = AccountSettings
        fields = ["weekly_digest"]
        help_texts = {"weekly_digest": _("По понедельникам: мероприятия со сроком в ближайшие три дня и просроченные.")}


@require_http_methods(["GET", "POST"])
def account(request):
    # GET never writes: the settings row is made by the first save.
    own = AccountSettings.objects.filter(user=request.user).first() or AccountSettings(user=request.user)
    form = AccountSettingsForm(request.POST if request.method == "POST" else None, instance=own)
    if form.is_valid():
        form.save()
        messages.success(request, _("Настройки сохранены."))
        return redirect("notices:account")
    return render(request, "notices/account.html", {"form": form})


def lift_forced_change(user) -> None:
    AccountSettings.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        lift_forced_change(form.user)
        self.request.session.pop(FORCED, None)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        lift_forced_change(form.user)
        return response
