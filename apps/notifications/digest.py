"""The daily email digest of unread notifications, and its signed unsubscribe link.

A beat job (hourly, under the kernel lock) sends each user who has unread notifications and has
not opted out one email a day at most: the ``DigestSent (user, day)`` row is inserted (and
committed) before the email goes out, so a crash between the two loses that day's digest rather
than sending it twice. The unsubscribe link carries a signed token (no sign-in needed).
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.notifications.models import DigestSent, Notification
from apps.users.services import user_profile_update
from scholarnet.api.errors import ValidationFailed

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.digest.unsubscribe"
SHOWN_PER_DIGEST = 20


class InvalidUnsubscribeToken(ValidationFailed):
    code = "invalid_token"
    default_detail = "The unsubscribe link is not valid."


def unsubscribe_token(*, user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int) -> str:
    base = settings.NOTIFICATIONS_SITE_URL.rstrip("/")
    return f"{base}/api/v1/notifications/unsubscribe?token={unsubscribe_token(user_id=user_id)}"


def digest_unsubscribe(*, token: str) -> int:
    """Turn the digest off for the token's user; the user's id. Bad tokens change nothing."""
    try:
        user_id = int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise InvalidUnsubscribeToken() from error
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidUnsubscribeToken()
    user_profile_update(user=user, data={"email_digest": False})  # the same as PATCH /users/me
    return user_id


def digest_due_user_ids(*, day: date) -> list[int]:
    """Users with unread notifications, digest on, no digest sent on ``day`` yet."""
    unread = Notification.objects.filter(read_at__isnull=True).values("recipient_id")
    users = get_user_model().objects.filter(pk__in=unread, is_active=True, email_digest=True)
    sent = DigestSent.objects.filter(day=day).values("user_id")
    users = users.exclude(email="").exclude(pk__in=sent)
    return list(users.order_by("pk").values_list("pk", flat=True))


def digest_send(*, user_id: int, day: date) -> bool:
    """Send ``user_id`` the digest of ``day``; False when one was sent already (or none due)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    rows = list(
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).order_by(
            "-updated_at", "-id"
        )[:SHOWN_PER_DIGEST]
    )
    if user is None or not user.email or not user.email_digest or not rows:
        return False
    try:
        with transaction.atomic():
            DigestSent.objects.create(user_id=user_id, day=day, notification_count=len(rows))
    except IntegrityError:
        return False
    send_mail(
        subject=f"ScholarNet: {len(rows)} new notifications",
        message=_digest_text(rows, user_id=user_id),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


def _digest_text(rows: list[Notification], *, user_id: int) -> str:
    actor_ids = {row.actor_ids[0] for row in rows if row.actor_ids}
    names = dict(get_user_model().objects.filter(pk__in=actor_ids).values_list("id", "nickname"))
    lines = [f"- {_line(row, names=names)}" for row in rows]
    link = unsubscribe_url(user_id=user_id)
    return "\n".join(["Your unread notifications:", "", *lines, "", f"Unsubscribe: {link}"])


def _line(row: Notification, *, names: dict[int, str]) -> str:
    first = names.get(row.actor_ids[0]) if row.actor_ids else None
    who = first or "Someone"
    if row.actor_count > 1:
        who = f"{who} and {row.actor_count - 1} others"
    what = {
        "like": "liked",
        "collect": "collected",
        "comment": "commented on",
        "reply": "replied to your comment on",
        "follow": "followed you",
    }[row.kind]
    target = f" “{row.title}”" if row.title else ""
    preview = f": {row.preview}" if row.kind in ("comment", "reply") and row.preview else ""
    return f"{who} {what}{target}{preview}"


def digests_send_due() -> int:
    """Today's digests for everyone due; how many were sent."""
    day = timezone.localdate()
    sent = 0
    for user_id in digest_due_user_ids(day=day):
        try:
            sent += digest_send(user_id=user_id, day=day)
        except Exception:  # one bad address must not stop everyone else's digest
            logger.exception("digest for user %s failed", user_id)
    return sent
