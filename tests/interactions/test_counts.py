"""Counts and flags on every article read, from the Redis hashes, in bulk."""

import pytest
import redis
from django_redis import get_redis_connection

from apps.articles.providers import article_counts_providers, article_flags_providers
from apps.interactions import services
from apps.interactions.counters import (
    FIELDS,
    changed_marker_key,
    counters_get_many,
    counters_incr,
    counters_move,
    counts_key,
)
from apps.interactions.models import ArticleStat, CollectionItem
from apps.interactions.selectors import (
    article_flags_provide,
    article_stats_load,
    article_stats_provide,
)
from tests.articles.factories import published_article
from tests.interactions.conftest import LIKE
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def hash_of(article_id: int) -> dict[bytes, bytes]:
    return get_redis_connection("default").hgetall(counts_key(article_id))


def test_the_interactions_app_answers_the_articles_providers():
    # every count, comment and review counts included: one hash read per article
    assert article_counts_providers.provider_names() == ["interactions"]
    assert article_flags_providers.provider_names() == ["interactions"]


def test_a_like_increments_the_hash_only_when_it_exists(
    reader, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.article_like(user=reader, article_id=article.pk)
    assert hash_of(article.pk) == {}  # never created by a write
    redis_client = get_redis_connection("default")
    assert 0 < redis_client.pttl(changed_marker_key(article.pk)) <= 2000

    article_stats_provide(ids=[article.pk])  # within the marker's life: read, but not stored
    assert hash_of(article.pk) == {}
    redis_client.delete(changed_marker_key(article.pk))  # as if 2 s had passed
    article_stats_provide(ids=[article.pk])  # a read fills it from the stat row
    assert hash_of(article.pk)[b"like_count"] == b"1"
    ttl = get_redis_connection("default").ttl(counts_key(article.pk))
    assert 890 < ttl <= 900

    with django_capture_on_commit_callbacks(execute=True):
        services.article_like(user=UserFactory(), article_id=article.pk)
        services.article_unlike(user=reader, article_id=article.pk)
        services.article_collect(user=reader, article_id=article.pk)
    assert (hash_of(article.pk)[b"like_count"], hash_of(article.pk)[b"collect_count"]) == (
        b"1",
        b"1",
    )


def test_a_read_older_than_a_write_that_found_no_hash_is_not_stored(reader, article):
    """Reader reads the row, a like commits and finds no hash, then the reader would fill it."""

    def read_then_a_like_commits(article_ids):
        rows = article_stats_load(article_ids)  # like_count 0
        services.article_like(user=reader, article_id=article.pk)
        counters_incr(field="like_count", deltas={article.pk: 1})  # its after-commit step
        return rows

    stale = counters_get_many(article_ids=[article.pk], load=read_then_a_like_commits)

    assert stale[article.pk]["like_count"] == 0  # this reader saw the older row
    assert hash_of(article.pk) == {}  # but did not store it for the next 15 minutes
    get_redis_connection("default").delete(changed_marker_key(article.pk))
    assert article_stats_provide(ids=[article.pk])[article.pk]["like_count"] == 1


def test_a_fill_never_overwrites_a_hash_another_reader_filled_and_a_write_moved(article):
    def stale_load(article_ids):
        # Meanwhile another reader filled the hash and a like moved it to 6.
        get_redis_connection("default").hset(
            counts_key(article.pk), mapping={**dict.fromkeys(FIELDS, 0), "like_count": 6}
        )
        return {article.pk: {**dict.fromkeys(FIELDS, 0), "like_count": 5}}

    counters_get_many(article_ids=[article.pk], load=stale_load)

    assert hash_of(article.pk)[b"like_count"] == b"6"


def test_a_hash_of_an_older_shape_is_never_trusted(reader, article, django_assert_num_queries):
    """A hash filled before the review counts existed: read from the row, dropped, refilled."""
    services.article_like(user=reader, article_id=article.pk)
    redis_client = get_redis_connection("default")
    old_shape = {"like_count": 1, "collect_count": 0, "read_count": 0, "comment_count": 0}
    redis_client.hset(counts_key(article.pk), mapping=old_shape)
    ArticleStat.objects.filter(pk=article.pk).update(review_count=2, review_rating_sum=9)

    with django_assert_num_queries(1):  # a miss: the stat row
        counts = article_stats_provide(ids=[article.pk])[article.pk]
    assert (counts["like_count"], counts["review_count"], counts["review_rating_mean"]) == (
        1,
        2,
        4.5,
    )
    assert hash_of(article.pk) == {}  # its fill dropped the old shape
    article_stats_provide(ids=[article.pk])
    assert hash_of(article.pk)[b"review_rating_sum"] == b"9"


def test_a_write_that_finds_its_field_missing_drops_the_hash(article):
    redis_client = get_redis_connection("default")
    redis_client.hset(counts_key(article.pk), mapping={"like_count": 1, "comment_count": 3})

    counters_move(changes={article.pk: {"comment_count": 1, "review_count": 1}})

    assert hash_of(article.pk) == {}
    assert 0 < redis_client.pttl(changed_marker_key(article.pk)) <= 2000


def test_one_move_changes_several_fields_of_a_hash(article):
    article_stats_provide(ids=[article.pk])  # fills a hash of zeros

    counters_move(changes={article.pk: {"review_count": 2, "review_rating_sum": 15}})
    counters_move(changes={article.pk: {"review_count": -1, "review_rating_sum": -20}})

    assert (hash_of(article.pk)[b"review_count"], hash_of(article.pk)[b"review_rating_sum"]) == (
        b"1",
        b"0",  # never below zero
    )
    with pytest.raises(ValueError, match="unknown counters"):
        counters_move(changes={article.pk: {"review_rating_mean": 1}})


def test_reads_come_from_the_hash_once_filled(reader, article, django_assert_num_queries):
    services.article_like(user=reader, article_id=article.pk)
    assert article_stats_provide(ids=[article.pk])[article.pk]["like_count"] == 1
    # The hash is the cache: a change made behind its back is not seen until it expires.
    ArticleStat.objects.filter(pk=article.pk).update(like_count=40)

    with django_assert_num_queries(0):
        counts = article_stats_provide(ids=[article.pk])

    assert counts[article.pk]["like_count"] == 1


def test_redis_down_falls_back_to_the_stat_rows_and_stops_asking_it(monkeypatch, reader, article):
    services.article_like(user=reader, article_id=article.pk)
    attempts = []

    def broken(article_ids):
        attempts.append(article_ids)
        raise redis.ConnectionError("down")

    monkeypatch.setattr("apps.interactions.counters._hashes_read", broken)

    first = article_stats_provide(ids=[article.pk])
    second = article_stats_provide(ids=[article.pk])

    assert first[article.pk]["like_count"] == second[article.pk]["like_count"] == 1
    assert attempts == [[article.pk]]  # the breaker skips Redis for the second read


def test_a_saturated_fallback_refuses_instead_of_stampeding_the_database(
    monkeypatch, reader, article, django_assert_num_queries
):
    from apps.interactions import counters
    from scholarnet.api.errors import ServiceUnavailable

    monkeypatch.setattr(counters, "FALLBACK_WAIT_SECONDS", 0.01)
    counters._breaker.record_failure()  # Redis is known to be down
    held = 0
    while counters._fallback_slots.acquire(blocking=False):
        held += 1
    try:
        with django_assert_num_queries(0), pytest.raises(ServiceUnavailable):
            article_stats_provide(ids=[article.pk])
    finally:
        for _ in range(held):
            counters._fallback_slots.release()
    assert held >= 1


def test_flags_are_one_query_for_a_page(reader, article, django_assert_num_queries):
    other = published_article()
    services.article_like(user=reader, article_id=article.pk)
    services.article_collect(user=reader, article_id=other.pk)
    services.article_like(user=UserFactory(), article_id=other.pk)  # someone else's like

    with django_assert_num_queries(1):
        flags = article_flags_provide(ids=[article.pk, other.pk, other.pk + 1], user_id=reader.pk)

    assert flags == {
        article.pk: {"liked": True, "collected": False},
        other.pk: {"liked": False, "collected": True},
        other.pk + 1: {"liked": False, "collected": False},
    }


def test_flags_are_two_queries_while_likes_and_folders_live_apart(
    monkeypatch, reader, article, django_assert_num_queries
):
    """A table being moved to another database (apps.migrator) cannot join the union."""
    services.article_collect(user=reader, article_id=article.pk)

    class Apart:
        @staticmethod
        def db_for_read(model, **hints):
            return "elsewhere" if model is CollectionItem else "default"

    monkeypatch.setattr("apps.interactions.selectors.router", Apart)
    with django_assert_num_queries(2):
        flags = article_flags_provide(ids=[article.pk], user_id=reader.pk)

    assert flags == {article.pk: {"liked": False, "collected": True}}


def test_detail_carries_counts_and_the_readers_flags(reader, reader_client, author, article):
    reader_client.put(LIKE.format(article.pk))
    services.article_collect(user=author, article_id=article.pk)

    body = reader_client.get(f"/api/v1/articles/{article.pk}").json()

    assert {key: body[key] for key in ("like_count", "collect_count", "liked", "collected")} == {
        "like_count": 1,
        "collect_count": 1,
        "liked": True,
        "collected": False,
    }


def test_anonymous_detail_counts_come_from_the_process_copy(
    settings, anonymous_client, reader, article, django_capture_on_commit_callbacks
):
    settings.ARTICLE_COUNTS_LOCAL_TTL = 60
    path = f"/api/v1/articles/{article.pk}"
    assert anonymous_client.get(path).json()["like_count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.article_like(user=reader, article_id=article.pk)
    stale = anonymous_client.get(path).json()
    settings.ARTICLE_COUNTS_LOCAL_TTL = 0
    from apps.articles.providers import local_counts

    local_counts.clear()
    fresh = anonymous_client.get(path).json()

    assert (stale["like_count"], stale["liked"]) == (0, False)
    assert (fresh["like_count"], fresh["liked"]) == (1, False)


class RedisCalls:
    """Round trips to Redis: single commands and pipeline executions, with what they sent."""

    def __init__(self, monkeypatch):
        self.trips: list[list[tuple]] = []
        original_command = redis.Redis.execute_command
        original_pipeline = redis.client.Pipeline.execute

        def command(client, *args, **kwargs):
            self.trips.append([args])
            return original_command(client, *args, **kwargs)

        def pipeline(pipe, *args, **kwargs):
            self.trips.append([tuple(c[0][:2]) for c in pipe.command_stack])
            return original_pipeline(pipe, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "execute_command", command)
        monkeypatch.setattr(redis.client.Pipeline, "execute", pipeline)

    def counts_trips(self) -> list[list[tuple]]:
        """The trips that touched a counts hash."""
        return [
            trip
            for trip in self.trips
            if any("interactive:" in str(part) for command in trip for part in command)
        ]


def test_detail_redis_round_trips(settings, monkeypatch, reader_client, anonymous_client, article):
    settings.ARTICLE_COUNTS_LOCAL_TTL = 2
    path = f"/api/v1/articles/{article.pk}"
    reader_client.get(path)  # fills the article cache and the counts hash
    anonymous_client.get(path)  # fills this process's copy of the counts

    anonymous = RedisCalls(monkeypatch)
    anonymous_client.get(path)
    monkeypatch.undo()
    signed_in = RedisCalls(monkeypatch)
    reader_client.get(path)

    # Anonymous: the counts come from this process (the rate limiter and the read event are the
    # only Redis traffic). Signed in: one script call reading the hash.
    assert anonymous.counts_trips() == []
    [[call]] = signed_in.counts_trips()
    assert (call[0], call[2:4]) == ("EVALSHA", (1, counts_key(article.pk)))


@pytest.mark.parametrize("size", [2, 10])
def test_lists_carry_real_counts_in_constant_queries(
    size, reader, reader_client, author, django_assert_max_num_queries
):
    articles = [published_article(author=author, tags=["graphs"]) for _ in range(size)]
    for article in articles:
        services.article_like(user=reader, article_id=article.pk)
    services.article_collect(user=reader, article_id=articles[0].pk)

    for path in (
        "/api/v1/articles?page_size=50",
        f"/api/v1/articles?author={author.pk}&page_size=50",
        "/api/v1/tags/graphs/articles?page_size=50",
    ):
        with django_assert_max_num_queries(9):
            items = reader_client.get(path).json()["results"]
        assert [item["like_count"] for item in items] == [1] * size, path
        assert all(item["liked"] for item in items), path
        assert [item["collected"] for item in items] == [False] * (size - 1) + [True], path


@pytest.mark.parametrize("size", [2, 6])
def test_search_results_carry_counts_and_the_viewers_flags(
    size, reader, reader_client, django_assert_max_num_queries
):
    from apps.search.services import search_article_sync

    articles = [published_article(title=f"Krylov solver {n}") for n in range(size)]
    for article in articles:
        search_article_sync(article_id=article.pk)
    services.article_like(user=reader, article_id=articles[0].pk)

    # Session, visibility, stat rows, likes, folder entries: the same for any page size.
    with django_assert_max_num_queries(6):
        hits = reader_client.get("/api/v1/search", {"q": "krylov"}).json()["results"]

    liked = {hit["id"]: (hit["like_count"], hit["liked"]) for hit in hits}
    assert liked == {
        article.pk: (1, True) if article == articles[0] else (0, False) for article in articles
    }
