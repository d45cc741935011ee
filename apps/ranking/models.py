"""The last computed hot list, and the admin's view of an article's score.

``HotList`` holds one row: the top ``RANKING_SIZE`` article ids with their scores, written by
each recompute. It is derived state (``manage.py rank_compute`` rebuilds it from the articles and
their stat rows); the row lets a cold Redis refill with one read instead of a recompute.
"""

from __future__ import annotations

from django.db import models

from apps.articles.models import PublishedArticle

HOT_LIST_ID = 1


class HotList(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=HOT_LIST_ID)
    computed_at = models.DateTimeField()
    # [[article_id, score], ...], best first.
    entries = models.JSONField(default=list)
    scanned = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "hot list"

    def __str__(self) -> str:
        return f"hot list of {len(self.entries)} computed at {self.computed_at:%Y-%m-%d %H:%M}"


class ArticleScore(PublishedArticle):
    """A live article seen by the ranking admin: its hot score, explained."""

    class Meta:
        proxy = True
        verbose_name = "article score"
