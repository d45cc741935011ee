"""What a feed page costs: queries and Redis round trips do not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection

from apps.follows import services as follows
from apps.tags.services import tag_create_official
from tests.articles.factories import published_article
from tests.feed.conftest import FEED, relay
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _cost(client, size: int, monkeypatch) -> tuple[int, int, int]:
    commands: list[str] = []
    redis_connection = get_redis_connection("default")
    real = type(redis_connection).execute_command

    def counting(self, *args, **options):
        commands.append(str(args[0]))
        return real(self, *args, **options)

    with monkeypatch.context() as patch:
        patch.setattr(type(redis_connection), "execute_command", counting)
        with CaptureQueriesContext(connection) as captured:
            body = client.get(FEED, {"page_size": size}).json()
    return len(body["results"]), len(captured.captured_queries), len(commands)


def test_a_feed_page_costs_the_same_for_3_and_15_items(
    settings, author, reader, reader_client, monkeypatch
):
    big = UserFactory()
    settings.FEED_PUSH_MAX_FOLLOWERS = 2  # big gets two followers: pulled
    follows.user_follow(follower=reader, followee_id=author.pk)
    follows.user_follow(follower=reader, followee_id=big.pk)
    follows.user_follow(follower=UserFactory(), followee_id=big.pk)
    tag_create_official(name="Graphs")
    follows.tag_follow(user=reader, name="Graphs")
    reader_client.get(FEED)  # builds the inbox
    for index in range(8):
        published_article(author=author)
        published_article(author=big, tags=["Graphs"] if index % 2 else None)
    relay()
    reader_client.get(FEED)  # warms the counters, as a steady state

    small = _cost(reader_client, 3, monkeypatch)
    large = _cost(reader_client, 15, monkeypatch)

    assert (small[0], large[0]) == (3, 15)
    # The viewer, follows, tag follows, the big author, the tag, rows, tags, authors, flags.
    assert small[1] == 9
    assert small[1:] == large[1:]  # same queries, same Redis commands
