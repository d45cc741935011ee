from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.articles.models import PublishedArticle, PublishSequence
from apps.interactions.models import ArticleStat
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

HOT = "/api/v1/articles/hot"


@pytest.fixture
def author():
    return UserFactory(nickname="Ada")


def live_article(
    *, author, hours_ago: float, likes: int = 0, now: datetime | None = None, **counts: int
) -> int:
    """A published article dated ``hours_ago`` before ``now``, with these counters."""
    article = published_article(author=author, title=f"Paper {hours_ago}h, {likes} likes")
    published_at = (now or timezone.now()) - timedelta(hours=hours_ago)
    # Both records of the first publication: the article's and its sequence row.
    PublishedArticle.objects.filter(pk=article.pk).update(published_at=published_at)
    PublishSequence.objects.filter(article_id=article.pk).update(created_at=published_at)
    ArticleStat.objects.update_or_create(
        article_id=article.pk, defaults={"like_count": likes, **counts}
    )
    return article.pk
