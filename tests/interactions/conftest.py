from __future__ import annotations

import pytest

from apps.interactions.models import ArticleLike, ArticleStat, CollectionItem
from scholarnet.events.models import OutboxEvent
from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    author_client,
    reader,
    reader_client,
    signed_in_client,
)
from tests.articles.factories import published_article

LIKE = "/api/v1/articles/{}/like"
COLLECT = "/api/v1/articles/{}/collect"
COLLECTIONS = "/api/v1/me/collections"


@pytest.fixture(autouse=True)
def _counters_breaker_closed():
    """A test that breaks Redis on purpose must not leave the counters skipping it."""
    from apps.interactions import counters

    counters._breaker.reset()
    yield
    counters._breaker.reset()


@pytest.fixture
def article(author):  # noqa: F811 - the imported fixture, by name
    return published_article(author=author)


def stat(article_id: int) -> tuple[int, int]:
    row = ArticleStat.objects.filter(pk=article_id).first()
    return (row.like_count, row.collect_count) if row else (0, 0)


def events(event_type: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(type=event_type).order_by("id")]


def facts() -> tuple[int, int]:
    return ArticleLike.objects.count(), CollectionItem.objects.count()
