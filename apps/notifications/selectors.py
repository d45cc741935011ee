"""Reads of notifications: a user's page (with its actors in bulk) and the unread counts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from apps.notifications.models import Notification
from apps.notifications.unread import unread_counts_get


def notification_list(*, user: Any, unread: bool = False, kind: str | None = None) -> QuerySet:
    rows = Notification.objects.filter(recipient=user)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def notifications_represent(rows: list[Notification]) -> list[dict[str, Any]]:
    """A page, each with its newest actors' names: one query for every actor of the page."""
    actor_ids = {actor_id for row in rows for actor_id in row.actor_ids}
    users = get_user_model().objects.filter(pk__in=actor_ids).values_list("id", "nickname")
    names = dict(users)
    return [
        {
            "id": row.pk,
            "kind": row.kind,
            "article_id": row.article_id,
            "comment_id": row.comment_id,
            "title": row.title,
            "preview": row.preview,
            "actor_count": row.actor_count,
            "actors": [
                {"id": actor_id, "nickname": names[actor_id]}
                for actor_id in row.actor_ids
                if actor_id in names
            ],
            "read": row.read_at is not None,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


def notification_unread_counts(*, user: Any) -> dict[str, Any]:
    counts = unread_counts_get(user_id=user.pk)
    return {"total": sum(counts.values()), "by_kind": counts}
