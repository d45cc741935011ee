"""What a feed page costs: queries and Redis round trips do not grow with the page size.

A round trip is one ``execute_command`` of the client or one pipeline's ``execute`` (its
commands are listed together), so a pipeline of twenty commands counts once, as it costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.client import Pipeline, Redis

from apps.follows import services as follows
from apps.tags.services import tag_create_official
from tests.articles.factories import published_article
from tests.feed.conftest import FEED, relay
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Cost:
    items: int
    queries: list[str]
    round_trips: list[str]


def _cost(client, size: int, monkeypatch) -> Cost:
    round_trips: list[str] = []
    command, execute = Redis.execute_command, Pipeline.execute

    def counting_command(self, *args, **options):
        round_trips.append(str(args[0]))
        return command(self, *args, **options)

    def counting_execute(self, *args, **options):
        names = sorted({str(args_[0]) for args_, _options in self.command_stack})
        round_trips.append("pipeline " + " ".join(names))
        return execute(self, *args, **options)

    with monkeypatch.context() as patch:
        patch.setattr(Redis, "execute_command", counting_command)
        patch.setattr(Pipeline, "execute", counting_execute)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(FEED, {"page_size": size})
    assert response.status_code == 200, response.content
    queries = [query["sql"] for query in captured.captured_queries]
    return Cost(len(response.json()["results"]), queries, round_trips)


@pytest.fixture(autouse=True)
def _steady_follow_counts(settings):
    """The followees' follower counts stay in the process for the test: once every
    USER_FOLLOW_COUNTS_LOCAL_TTL (2 s) a process pays one more pipeline for them."""
    settings.USER_FOLLOW_COUNTS_LOCAL_TTL = 600


def test_a_pushed_feed_page_costs_three_queries_and_two_round_trips_of_its_own(
    author, reader, reader_client, monkeypatch
):
    """The shape of the common reader (and the bench's): every followee pushed, no tags."""
    follows.user_follow(follower=reader, followee_id=author.pk)
    reader_client.get(FEED)  # builds the inbox
    for _ in range(16):
        published_article(author=author)
    relay()
    reader_client.get(FEED)  # warms the cards and the counters, as a steady state

    small = _cost(reader_client, 3, monkeypatch)
    large = _cost(reader_client, 15, monkeypatch)

    assert (small.items, large.items) == (3, 15)
    # The page's live rows (a few columns, by primary key); the viewer's flags. The viewer
    # comes from the process (apps.users.user_cache).
    assert len(small.queries) == 2
    assert "articles_publishedarticle" in small.queries[0]
    assert "content" not in small.queries[0]
    assert "title" not in small.queries[0]
    # The kernel's: the per-IP limiter's script, the session check (with the viewer's version
    # token). The feed's own: the inbox range (which tells a missing inbox too) and the page's
    # counts, review counts included (one script reading interactions' hashes).
    assert small.round_trips == [
        "EVALSHA",
        "pipeline EXISTS GET SET",
        "ZREVRANGEBYSCORE",
        "EVALSHA",
    ]
    assert (len(large.queries), large.round_trips) == (2, small.round_trips)


def test_pulled_authors_and_tags_add_a_query_each_whatever_the_page_size(
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
    reader_client.get(FEED)  # warms the cards and the counters, as a steady state

    small = _cost(reader_client, 3, monkeypatch)
    large = _cost(reader_client, 15, monkeypatch)

    assert (small.items, large.items) == (3, 15)
    # The big author's newest, the tag's newest, the live rows, the flags.
    assert len(small.queries) == len(large.queries) == 4
    assert small.round_trips == large.round_trips


def test_cold_cards_cost_three_queries_for_the_whole_page(
    author, reader, reader_client, monkeypatch
):
    from apps.feed.cards import card_tier

    follows.user_follow(follower=reader, followee_id=author.pk)
    reader_client.get(FEED)
    for _ in range(16):
        published_article(author=author)
    relay()
    reader_client.get(FEED)  # warms the counters

    card_tier.clear()
    small = _cost(reader_client, 3, monkeypatch)
    card_tier.clear()
    large = _cost(reader_client, 15, monkeypatch)

    # The warm page's two, and the missing cards' rows, tags and authors.
    assert (small.items, large.items) == (3, 15)
    assert len(small.queries) == len(large.queries) == 5
