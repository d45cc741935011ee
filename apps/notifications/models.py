"""In-app notifications, aggregated per target while unread, and the email digest's records.

A like, a collect and a follow join the recipient's *open* notification of the same group
(``like:article:42``, ``follow``) instead of adding a row: "12 people liked …" is one row with
``actor_count`` 12. A notification is open until it is read; the next like then opens a new one.
``open`` is True or NULL so a unique ``(recipient, group_key, open)`` allows one open row per
group on every database (MySQL has no partial unique indexes; NULLs differ). Comments and
replies are one row each: their text is the point.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    LIKE = "like"
    COLLECT = "collect"
    COMMENT = "comment"
    REPLY = "reply"
    FOLLOW = "follow"
    MODERATION = "moderation"  # a moderator took the recipient's content down or restored it
    REWARD = "reward"  # a reader's tip on the recipient's article was paid


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    group_key = models.CharField(max_length=64)
    open = models.BooleanField(null=True, default=True)
    article_id = models.BigIntegerField(null=True, blank=True)
    comment_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    preview = models.CharField(max_length=300, blank=True)
    actor_count = models.PositiveIntegerField(default=0)
    actor_ids = models.JSONField(default=list)  # the newest actors first, at most a few
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "group_key", "open"], name="notifications_one_open_group"
            )
        ]
        indexes = [
            # The list's keyset, (updated_at, id) descending, read backwards; unread pages
            # have their own (read_at IS NULL is an equality on it).
            models.Index(fields=["recipient", "updated_at", "id"], name="notifications_recent"),
            models.Index(
                fields=["recipient", "read_at", "updated_at", "id"],
                name="notifications_unread_recent",
            ),
            models.Index(fields=["recipient", "read_at", "kind"], name="notifications_unread"),
            models.Index(fields=["comment_id"], name="notifications_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id} ({self.actor_count})"


class NotificationActor(models.Model):
    """Who is in an aggregate: liking, unliking and liking again counts one person once."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="+")
    actor_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "actor_id"], name="notifications_actor_once"
            )
        ]

    def __str__(self) -> str:
        return f"user {self.actor_id} in notification {self.notification_id}"


class DigestSent(models.Model):
    """One row per user and day a digest went out: the unique pair makes it one a day at most."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    notification_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="notifications_digest_once")
        ]

    def __str__(self) -> str:
        return f"digest for user {self.user_id} on {self.day}"
