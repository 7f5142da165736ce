"""Mail from templates: Russian plain text plus HTML, naming the portal and the organisation, with an
absolute link to the page where the thing is done.

``templates/mail/<name>.txt`` and ``<name>.html`` each extend ``mail/base.*``; the context gets
``portal_name``, ``organisation`` and ``link`` (made absolute from ``SITE_URL``: a worker has no
request to build it from). Imports no app: the apps' tasks call it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """``path`` on the portal's own address; an address that is already absolute stays."""
    if not path or "://" in path:
        return path
    return f"{settings.SITE_URL}{path if path.startswith('/') else '/' + path}"


def render_message(
    *, to: list[str], subject: str, template: str, context: dict | None = None, organisation: str = "", link: str = ""
) -> EmailMultiAlternatives:
    """The message ``template`` (``mail/<template>.txt`` and ``.html``) to ``to``, not yet sent."""
    context = {
        **(context or {}),
        "subject": subject,
        "portal_name": settings.PORTAL_NAME,
        "organisation": organisation,
        "link": absolute_url(link),
        "site_url": settings.SITE_URL,
    }
    text = render_to_string(f"mail/{template}.txt", context)
    html = render_to_string(f"mail/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"{subject} · {settings.PORTAL_NAME}", body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    message.attach_alternative(html, "text/html")
    return message


def send_message(**kwargs) -> int:
    """Render and send at once (the tasks call this; views defer a task instead)."""
    return render_message(**kwargs).send()


def message_parts(message: EmailMultiAlternatives) -> dict:
    """A rendered message as plain data, so a job can carry it to the worker that sends it."""
    html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
    return {"to": list(message.to), "subject": message.subject, "text": message.body, "html": html}


def send_parts(*, to: list[str], subject: str, text: str, html: str = "") -> int:
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
