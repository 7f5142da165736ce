"""Invitations and password resets: Django's own tokens, the mail rendered here and sent by the worker."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mentoring_portal import mail
from mentoring_portal.queue import defer_on_commit

from .tasks import send_rendered


def set_password_link(user) -> str:
    """A one-time link to set a password: valid ``PASSWORD_RESET_TIMEOUT`` and until the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


def invite(user, *, organisation: str = "", invited_by: str = "") -> None:
    """Mail ``user`` (an account without a password yet) the link to set their own."""
    message = mail.render_message(
        to=[user.email],
        subject="Приглашение в портал",
        template="invitation",
        context={
            "greeting": user.first_name or user.username,
            "username": user.username,
            "invited_by": invited_by,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
        organisation=organisation,
        link=set_password_link(user),
    )
    defer_on_commit(send_rendered, **mail.message_parts(message))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form; the mail goes through the queue, and an invited account (no password yet)
    may ask for a new link too. The page says the same whether the address is known or not."""

    def get_users(self, email):
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager.filter(email__iexact=email, is_active=True)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        user = context["user"]
        message = mail.render_message(
            to=[to_email],
            subject="Восстановление пароля",
            template="password_reset",
            context={"greeting": user.first_name or user.username, "username": user.username},
            link=reverse("password_reset_confirm", args=[context["uid"], context["token"]]),
        )
        defer_on_commit(send_rendered, **mail.message_parts(message))
