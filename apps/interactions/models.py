"""Likes, collections and read marks: facts under unique constraints, and their counters.

A fact (a like, an article in a folder, a reader's daily read) is a row whose unique constraint
makes repeating the action a no-op. Each article's counters live in one ``ArticleStat`` row,
updated with ``F()`` in the same transaction as the fact they count and never below zero;
``manage.py interactions_recount`` rebuilds them from the facts.

Articles are referenced by id, not by a foreign key to either article store: a like outlives a
withdraw (the article may be republished under the same id) and the live store's rows come and go.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ArticleStat(models.Model):
    article_id = models.BigIntegerField(primary_key=True)
    like_count = models.PositiveIntegerField(default=0)
    collect_count = models.PositiveIntegerField(default=0)
    read_count = models.PositiveBigIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # Reviews (typed comments with a rating), moved by the comments app like comment_count; the
    # mean rating is review_rating_sum / review_count, computed when read. Database defaults,
    # so rows inserted by a release that predates the columns count zero reviews.
    review_count = models.PositiveIntegerField(default=0, db_default=0)
    review_rating_sum = models.PositiveIntegerField(default=0, db_default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"#{self.article_id}: {self.like_count} likes, {self.read_count} reads"


class ArticleLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article_id"], name="interactions_like_once")
        ]
        indexes = [models.Index(fields=["article_id", "user"], name="interactions_like_article")]

    def __str__(self) -> str:
        return f"user {self.user_id} likes #{self.article_id}"


class Collection(models.Model):
    """A user's folder of collected articles; the default one is created on first use."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=100)
    # True for the default folder, NULL for every other: a unique (owner, is_default) then allows
    # one default per user on every database (MySQL has no partial unique indexes; NULLs differ).
    is_default = models.BooleanField(null=True, default=None)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="interactions_folder_name"),
            # At most one default folder per user, so two first collects cannot create two.
            models.UniqueConstraint(
                fields=["owner", "is_default"], name="interactions_one_default_folder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (user {self.owner_id})"


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    # Denormalised from the folder so "has this user collected X" is one index probe.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "article_id"], name="interactions_item_once"
            )
        ]
        indexes = [
            models.Index(fields=["user", "article_id"], name="interactions_item_user"),
            models.Index(fields=["collection", "-id"], name="interactions_item_newest"),
        ]

    def __str__(self) -> str:
        return f"#{self.article_id} in folder {self.collection_id}"


class ArticleReadMark(models.Model):
    """One row per (day, article, reader): a reader's repeat visits on one day count once.

    ``reader_key`` is ``u:<user id>`` for a signed-in reader, ``a:<fingerprint>`` otherwise.
    Old days are pruned by a beat job, which first adds them to :class:`ArticleReadDay`; so
    ``read_count`` is always the marks plus the pruned days (what ``interactions_recount``
    rebuilds it from).
    """

    day = models.DateField()
    article_id = models.BigIntegerField()
    reader_key = models.CharField(max_length=64)
    # A random id of the consumer batch that inserted the row: after an INSERT that skips
    # existing marks, the rows carrying the batch's id are exactly the reads it added.
    batch = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "article_id", "reader_key"], name="interactions_read_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["batch"], name="interactions_read_batch")]

    def __str__(self) -> str:
        return f"{self.reader_key} read #{self.article_id} on {self.day}"


class ArticleReadDay(models.Model):
    """The distinct readers of one article on one pruned day: the marks, rolled up.

    The prune job moves a day's marks here (one row per article and day) in the transaction that
    deletes them, so the reads stay countable from facts after the marks are gone.
    """

    article_id = models.BigIntegerField()
    day = models.DateField()
    readers = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article_id", "day"], name="interactions_read_day")
        ]

    def __str__(self) -> str:
        return f"#{self.article_id}: {self.readers} readers on {self.day}"
