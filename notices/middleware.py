"""A temporary password handed over by hand is changed at the first sign-in, before anything else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse

from .models import AccountSettings

FORCED = "must_change_password"


@receiver(user_logged_in)
def remember_forced_change(sender, request, user, **kwargs):
    # Read once at sign-in into the session, so the other requests cost no query.
    if request is not None and AccountSettings.objects.filter(user=user, must_change_password=True).exists():
        request.session[FORCED] = True


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(FORCED) and request.user.is_authenticated:
            allowed = {reverse("password_change"), reverse("password_change_done"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith("/static/"):
                messages.info(request, "Задайте свой пароль вместо временного, чтобы продолжить.")
                return redirect("password_change")
        return self.get_response(request)
