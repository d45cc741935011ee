"""Threaded comments: an adjacency tree with a root pointer.

A root comment has no ``root`` and no ``parent``; a reply points at its ``parent`` (any comment
of the same article) and at the ``root`` of that thread, so a thread's replies are one index
range ``(root, id)`` and a page of roots is one range ``(article_id, root, -id)``.

Deleting a comment deletes its subtree (no tombstones): a reply without its context reads as
noise, and the count stays the number of comments a reader can see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["article_id", "root", "-id"], name="comments_article_roots"),
            models.Index(fields=["root", "id"], name="comments_thread"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on #{self.article_id}"
