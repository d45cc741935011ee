"""Writes of notifications: add (aggregating where readers expect it), mark read, forget.

Consumers call these inside the idempotent handler's transaction, so a redelivered event is
skipped before it gets here; aggregation de-duplicates actors too (``NotificationActor``), so an
unlike and a like again do not make "2 people liked". Nobody is notified of their own action.
Lock order: the open notification row, then its actor row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.notifications.models import Notification, NotificationActor, NotificationKind
from apps.notifications.unread import unread_counts_forget_on_commit

SHOWN_ACTORS = 3
AGGREGATED = {NotificationKind.LIKE, NotificationKind.COLLECT, NotificationKind.FOLLOW}


@dataclass(frozen=True, slots=True)
class Target:
    group_key: str
    article_id: int | None = None
    comment_id: int | None = None
    title: str = ""
    preview: str = ""


def notification_add(
    *, recipient_id: int, actor_id: int, kind: NotificationKind, target: Target
) -> Notification | None:
    """Notify ``recipient_id`` of ``actor_id``'s action; None for one's own action."""
    if recipient_id == actor_id:
        return None
    with transaction.atomic():
        notification = _open_locked(recipient_id=recipient_id, kind=kind, target=target)
        if kind in AGGREGATED and not _actor_added(notification, actor_id):
            return notification
        notification.actor_count = F("actor_count") + 1
        notification.actor_ids = [actor_id, *notification.actor_ids][:SHOWN_ACTORS]
        notification.title, notification.preview = target.title[:300], target.preview[:300]
        notification.save(
            update_fields=["actor_count", "actor_ids", "title", "preview", "updated_at"]
        )
        unread_counts_forget_on_commit(user_ids=[recipient_id])
    notification.refresh_from_db(fields=["actor_count"])
    return notification


def _open_locked(*, recipient_id: int, kind: NotificationKind, target: Target) -> Notification:
    """The recipient's open notification of the group, locked; created if there is none."""
    rows = Notification.objects.select_for_update()
    found = rows.filter(recipient_id=recipient_id, group_key=target.group_key, open=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient_id=recipient_id,
                kind=kind,
                group_key=target.group_key,
                article_id=target.article_id,
                comment_id=target.comment_id,
            )
    except IntegrityError:  # created meanwhile by a concurrent event of the same group
        return rows.get(recipient_id=recipient_id, group_key=target.group_key, open=True)


def _actor_added(notification: Notification, actor_id: int) -> bool:
    try:
        with transaction.atomic():
            NotificationActor.objects.create(notification=notification, actor_id=actor_id)
    except IntegrityError:
        return False
    return True


def notifications_read(*, user: Any, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (``ids``, or all with None); how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    with transaction.atomic():
        changed = rows.update(read_at=timezone.now(), open=None)
        if changed:
            unread_counts_forget_on_commit(user_ids=[user.pk])
    return changed


def notifications_of_comments_forget(*, comment_ids: list[int]) -> int:
    """Drop notifications of deleted comments: their text must not outlive them."""
    with transaction.atomic():
        rows = Notification.objects.filter(comment_id__in=comment_ids)
        recipients = list(rows.values_list("recipient_id", flat=True))
        deleted, _ = rows.delete()
        unread_counts_forget_on_commit(user_ids=recipients)
    return deleted
