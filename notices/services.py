"""Who hears of what, and telling them once: a notice in the portal and, where there is an address, a mail.

Jobs call ``notify``; a retried job (a worker killed halfway) finds the notices it already made
by their ``key`` and mails only those not yet mailed. A mail is claimed (``mailed_at`` set and
committed) before it is sent and released if sending fails, so a retry never mails twice; a
worker killed exactly between the claim and the send loses that one mail, never the notice.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mentoring_portal import mail

from .models import Notice

logger = logging.getLogger(__name__)

# registry.accounts.ANONYMISED_ACCOUNT_PREFIX; repeated so that this module reads no app's internals.
ANONYMISED_PREFIX = "obezlicheno-"


def reachable(users):
    """Active accounts of people who have not withdrawn their consent nor been anonymised."""
    gone = Q(memberships__person__anonymised_at__isnull=False) | Q(
        memberships__person__consent_withdrawn_on__isnull=False
    )
    return (
        get_user_model()
        .objects.filter(pk__in=users.values("pk") if hasattr(users, "values") else [u.pk for u in users])
        .filter(is_active=True)
        .exclude(username__startswith=ANONYMISED_PREFIX)
        .exclude(pk__in=get_user_model().objects.filter(gone).values("pk"))
        .distinct()
    )


def notify(users, *, kind: str, key: str, text: str, link: str = "", organisation: str = "") -> int:
    """Tell each reachable user ``text`` once (per ``key``); mail those with an address. Returns the mails sent."""
    sent = 0
    for user in reachable(users):
        try:
            with transaction.atomic():
                notice, _created = Notice.objects.get_or_create(
                    user=user, key=key, defaults={"kind": kind, "text": text, "link": link}
                )
        except IntegrityError:  # the same notice made by a concurrent retry
            notice = Notice.objects.get(user=user, key=key)
        if user.email and mail_once(notice, user, organisation=organisation):
            sent += 1
    return sent


def mail_once(notice: Notice, user, *, organisation: str = "") -> bool:
    claimed = Notice.objects.filter(pk=notice.pk, mailed_at__isnull=True).update(mailed_at=timezone.now())
    if not claimed:
        return False
    try:
        mail.send_message(
            to=[user.email],
            subject=notice.get_kind_display(),
            template="notice",
            context={"text": notice.text, "greeting": user.first_name or user.username},
            organisation=organisation,
            link=notice.link,
        )
    except Exception:
        Notice.objects.filter(pk=notice.pk).update(mailed_at=None)
        raise
    return True


def wants_digest(users):
    """The reachable users who have not turned the weekly digest off."""
    return reachable(users).exclude(notice_settings__weekly_digest=False)
