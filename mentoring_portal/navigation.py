"""Where a form sends the person back to: the page they acted from, when it is one of ours."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request, fallback):
    """Redirect to the form's ``next`` (the home page's inline approve or «Отметить выполнение»), else ``fallback``.

    Only a path on this site is followed: ``next=https://evil.example`` falls back, so the
    field cannot be used to send a signed-in person elsewhere.
    """
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)
