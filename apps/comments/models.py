"""Threaded comments: an adjacency tree with a root pointer.

A root comment has no ``root`` and no ``parent``; a reply points at its ``parent`` (any comment
of the same article) and at the ``root`` of that thread, so a thread's replies are one index
range ``(root, id)`` and a page of roots is one range ``(article_id, root, -id)``.

Deleting a comment deletes its subtree (no tombstones): a reply without its context reads as
noise, and the count stays the number of comments a reader can see.

A comment has a ``kind`` (typed review threads): a ``review`` carries a rating and a
confidence, a ``rebuttal`` answers a review, a ``meta_review`` sums the reviews up. Who may post
which kind is decided by ``apps.comments.kinds``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CommentKind(models.TextChoices):
    COMMENT = "comment"
    REVIEW = "review"
    REBUTTAL = "rebuttal"
    QUESTION = "question"
    META_REVIEW = "meta_review"


class Comment(models.Model):
    article_id = models.BigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    content = models.TextField()
    content_html = models.TextField()
    reply_count = models.PositiveIntegerField(default=0)  # replies in the thread (roots only)
    # db_default: rows written without the column (the previous release during a rolling deploy,
    # bulk SQL) are plain comments.
    kind = models.CharField(
        max_length=16,
        choices=CommentKind.choices,
        default=CommentKind.COMMENT,
        db_default=CommentKind.COMMENT,
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)  # 1..10, reviews only
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)  # 1..5, reviews only
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["article_id", "root", "-id"], name="comments_article_roots"),
            models.Index(fields=["root", "id"], name="comments_thread"),
            # GET /articles/{id}/reviews: one range per page, newest first.
            models.Index(fields=["article_id", "kind", "-id"], name="comments_article_kind"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on #{self.article_id}"


class ArticleEditor(models.Model):
    """A user the article's author invited as an editor: they may post meta reviews."""

    article_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article_id", "user"], name="comments_editor_unique")
        ]

    def __str__(self) -> str:
        return f"editor {self.user_id} of #{self.article_id}"
