"""The follow graph: users following users, users following tags, and the counts they keep.

A follow is a row whose unique constraint makes following twice a no-op. Each user's counts
live in one ``FollowStat`` row, moved with ``F()`` in the transaction of the follow or unfollow
and never below zero; a missing row is created from a COUNT of the facts, and
``manage.py follows_recount`` rebuilds every row the same way.

A tag follow names the tag by its comparison key (``apps.tags.names``), not by a foreign key to
one ``Tag`` row: "Deep Learning" is one topic whoever created the tag rows carrying the name, and
the articles app's tag list selects by that key too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.tags.fields import BinaryCharField
from apps.tags.names import NAME_KEY_MAX_LENGTH, NAME_MAX_LENGTH


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follows_follow_once"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followee")), name="follows_not_self"
            ),
        ]
        indexes = [
            # The two lists, newest first: a keyset seek on (owner, -id).
            models.Index(fields=["followee", "-id"], name="follows_followers_newest"),
            models.Index(fields=["follower", "-id"], name="follows_followees_newest"),
        ]

    def __str__(self) -> str:
        return f"user {self.follower_id} follows user {self.followee_id}"


class FollowStat(models.Model):
    user_id = models.BigIntegerField(primary_key=True)
    follower_count = models.PositiveIntegerField(default=0)
    followee_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.follower_count} followers"


class TagFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name_key = BinaryCharField(max_length=NAME_KEY_MAX_LENGTH)  # the tags app's comparison key
    name = models.CharField(max_length=NAME_MAX_LENGTH)  # as first typed, for display
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name_key"], name="follows_tag_once")
        ]
        indexes = [models.Index(fields=["user", "-id"], name="follows_tags_newest")]

    def __str__(self) -> str:
        return f"user {self.user_id} follows tag {self.name}"
