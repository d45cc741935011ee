from __future__ import annotations

import pytest

from apps.comments import selectors
from apps.comments.models import Comment
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

COMMENTS = "/api/v1/articles/{}/comments"
REPLIES = "/api/v1/comments/{}/replies"
COMMENT = "/api/v1/comments/{}"


@pytest.fixture(autouse=True)
def _fast_database():
    selectors.slow_database.reset()
    yield
    selectors.slow_database.reset()


@pytest.fixture
def article(author):  # noqa: F811 - the imported fixture, by name
    return published_article(author=author)


def events(event_type: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(type=event_type).order_by("id")]


def comment_ids() -> list[int]:
    return list(Comment.objects.order_by("id").values_list("id", flat=True))
