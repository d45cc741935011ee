"""Read counts: emitted off the outbox by both detail paths, applied in batches, exactly."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import redis
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection

from apps.interactions import reads
from apps.interactions.counters import counts_key
from apps.interactions.models import ArticleReadMark, ArticleStat
from apps.users.models import User
from scholarnet.events.batches import decode_pack
from scholarnet.events.envelope import Event
from scholarnet.events.models import DeadLetterEvent, OutboxEvent
from scholarnet.events.stream import (
    SenderBuffer,
    StreamBatchRunner,
    emit_flush,
    sender_buffer,
    stream_key,
)
from tests.articles.conftest import ARTICLES, signed_in_client
from tests.articles.factories import published_article
from tests.users.conftest import USER_AGENT
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_reads_of_earlier_tests():
    # The sender thread may still hold or be shipping an earlier test's reads.
    sender_buffer().discard()
    get_redis_connection("default").delete(stream_key("article.read"))


@pytest.fixture
def author() -> User:
    return UserFactory(nickname="Ada")


@pytest.fixture
def reader() -> User:
    return UserFactory(nickname="Grace")


@pytest.fixture
def anonymous_client() -> Client:
    return Client(HTTP_USER_AGENT=USER_AGENT)


def read(
    article_id: int, reader: str, *, author_id: int | None = 999, at: datetime = NOON
) -> Event:
    payload = {"article_id": article_id, "author_id": author_id, "reader": reader}
    return Event(uuid.uuid4(), "article.read", 1, at, payload, key=f"article:{article_id}")


def read_counts() -> dict[int, int]:
    return dict(ArticleStat.objects.values_list("article_id", "read_count"))


def stream_events() -> list[dict]:
    emit_flush()  # what the sender thread has not shipped yet
    entries = get_redis_connection("default").xrange(stream_key("article.read"))
    return [event.payload for _id, fields in entries for event in decode_pack(fields[b"e"])]


def data_statements(queries: list[dict]) -> list[str]:
    # The test's own transaction turns the handler's atomic block into a savepoint.
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"].upper()]


# --- applying a batch ----------------------------------------------------------------------


def test_each_reader_counts_once_per_article_and_day_and_authors_not_at_all():
    events = [
        read(1, "a:alice"),
        read(1, "a:alice"),  # the same reader again the same day
        read(1, "u:7"),
        read(2, "a:alice"),
        read(1, "u:999", author_id=999),  # the author's own read
        read(1, "a:alice", at=NOON + timedelta(days=1)),  # next day: a new read
    ]

    assert reads.reads_apply(events) == {1: 3, 2: 1}

    assert read_counts() == {1: 3, 2: 1}
    assert ArticleReadMark.objects.count() == 4
    assert not ArticleReadMark.objects.filter(reader_key="u:999").exists()


def test_a_redelivered_batch_changes_nothing():
    events = [read(1, "a:alice"), read(2, "u:7"), read(2, "a:bob")]
    assert reads.reads_apply(events) == {1: 1, 2: 2}

    assert reads.reads_apply(events) == {}
    assert reads.reads_apply([*events, read(2, "a:carol")]) == {2: 1}

    assert read_counts() == {1: 1, 2: 3}
    assert ArticleReadMark.objects.count() == 4


def test_existing_stat_rows_are_incremented_and_other_counters_kept():
    ArticleStat.objects.create(article_id=1, like_count=4, read_count=10)

    reads.reads_apply([read(1, "a:alice"), read(3, "a:alice")])

    stat = ArticleStat.objects.get(article_id=1)
    assert (stat.like_count, stat.read_count) == (4, 11)
    assert ArticleStat.objects.get(article_id=3).read_count == 1


@pytest.mark.parametrize("articles", [1, 7, 500])
def test_a_batch_costs_three_statements_whatever_the_number_of_articles(articles):
    ArticleStat.objects.create(article_id=1, read_count=5)  # some rows exist, others do not
    events = [read(index % articles + 1, f"a:reader-{index}") for index in range(500)]

    with CaptureQueriesContext(connection) as queries:
        added = reads.reads_apply(events)

    statements = data_statements(queries.captured_queries)
    assert len(statements) == 3, statements
    assert [sql.split()[0].upper() for sql in statements] == ["INSERT", "SELECT", "INSERT"]
    assert sum(added.values()) == 500
    assert len(added) == articles
    assert sum(read_counts().values()) == 505


def test_cached_count_hashes_are_incremented_after_commit_and_missing_ones_stay_missing(
    django_capture_on_commit_callbacks,
):
    client = get_redis_connection("default")
    client.hset(counts_key(1), mapping={"like_count": 2, "read_count": 5})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reads.reads_apply([read(1, "a:alice"), read(2, "a:alice")])
    assert client.hget(counts_key(1), "read_count") == b"5"  # nothing before the commit

    for callback in callbacks:
        callback()
    assert client.hget(counts_key(1), "read_count") == b"6"
    assert not client.exists(counts_key(2))


def test_malformed_payloads_are_skipped_and_the_rest_applied():
    bad = Event(uuid.uuid4(), "article.read", 1, NOON, {"article_id": "1", "reader": "a:x"})
    assert reads.reads_apply([bad, read(4, "a:alice")]) == {4: 1}


def test_old_marks_are_pruned_and_recent_ones_kept(settings):
    settings.READS_MARK_RETENTION_DAYS = 3
    today = datetime.now(UTC).date()
    for days_ago in (0, 3, 4, 10):
        ArticleReadMark.objects.create(
            day=today - timedelta(days=days_ago), article_id=1, reader_key=f"a:{days_ago}"
        )

    assert reads.read_marks_prune() == 2

    kept = sorted(ArticleReadMark.objects.values_list("day", flat=True))
    assert kept == [today - timedelta(days=3), today]


# --- emitting: both detail paths, nothing else ---------------------------------------------


def test_an_anonymous_detail_read_emits_one_event_and_writes_nothing(author):
    article = published_article(author=author)
    outbox_before = OutboxEvent.objects.count()

    response = Client(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="203.0.113.9").get(
        f"{ARTICLES}/{article.pk}"
    )

    assert response.status_code == 200
    [payload] = stream_events()
    assert payload["article_id"] == article.pk
    assert payload["author_id"] is None
    assert payload["reader"].startswith("a:")
    assert len(payload["reader"]) == 34
    assert "203.0.113.9" not in payload["reader"]
    assert OutboxEvent.objects.count() == outbox_before
    assert not ArticleReadMark.objects.exists()


def test_anonymous_readers_are_told_apart_by_address_and_agent(author):
    article = published_article(author=author)
    for address, agent in [("198.51.100.1", "A"), ("198.51.100.1", "A"), ("198.51.100.1", "B")]:
        Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address).get(f"{ARTICLES}/{article.pk}")
    Client(HTTP_USER_AGENT="A", REMOTE_ADDR="198.51.100.2").get(f"{ARTICLES}/{article.pk}")

    readers = [payload["reader"] for payload in stream_events()]
    assert len(readers) == 4
    assert readers[0] == readers[1]
    assert len(set(readers)) == 3


def test_signed_in_reads_go_through_the_api_view_and_the_authors_are_not_counted(author, reader):
    article = published_article(author=author)
    signed_in_client(reader).get(f"{ARTICLES}/{article.pk}")
    signed_in_client(author).get(f"{ARTICLES}/{article.pk}")

    assert stream_events() == [
        {"article_id": article.pk, "author_id": author.pk, "reader": f"u:{reader.pk}"},
        {"article_id": article.pk, "author_id": author.pk, "reader": f"u:{author.pk}"},
    ]
    StreamBatchRunner(reads.READS_GROUP, batch_wait_ms=10).run(until_empty=True)
    assert read_counts() == {article.pk: 1}


def test_lists_and_missing_articles_emit_nothing(author, anonymous_client):
    published_article(author=author)
    assert anonymous_client.get(ARTICLES).status_code == 200
    assert anonymous_client.get(f"{ARTICLES}?author={author.pk}").status_code == 200
    assert anonymous_client.get(f"{ARTICLES}/424242").status_code == 404

    assert stream_events() == []


def test_emitting_can_be_switched_off(author, settings):
    settings.READS_EMIT_ENABLED = False
    article = published_article(author=author)
    Client(HTTP_USER_AGENT=USER_AGENT).get(f"{ARTICLES}/{article.pk}")
    assert stream_events() == []


def test_a_redis_outage_drops_the_reads_and_still_serves_the_article(author, monkeypatch):
    article = published_article(author=author)
    Client(HTTP_USER_AGENT=USER_AGENT).get(f"{ARTICLES}/{article.pk}")
    assert len(stream_events()) == 1  # shipped before the outage
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr("scholarnet.events.stream._redis", lambda: unreachable)

    response = Client(HTTP_USER_AGENT=USER_AGENT).get(f"{ARTICLES}/{article.pk}")

    assert response.status_code == 200
    assert emit_flush() == 0  # dropped, not raised
    monkeypatch.undo()
    assert len(stream_events()) == 1  # only the read from before the outage


def test_a_full_buffer_drops_new_reads_instead_of_growing(author, settings, monkeypatch):
    settings.EVENTS_STREAM_BUFFER_MAX = 2
    article = published_article(author=author)
    Client(HTTP_USER_AGENT=USER_AGENT).get(f"{ARTICLES}/{article.pk}")  # cache the article
    emit_flush()
    monkeypatch.setattr(SenderBuffer, "flush", lambda self: 0)  # the sender is stuck
    for agent in ("A", "B", "C", "D"):
        assert Client(HTTP_USER_AGENT=agent).get(f"{ARTICLES}/{article.pk}").status_code == 200
    monkeypatch.undo()

    assert len(stream_events()) == 1 + 2


# --- the Redis stream consumer group -------------------------------------------------------


def test_the_stream_runner_applies_and_acknowledges_the_batches(author):
    article = published_article(author=author)
    for agent in ("A", "B", "B", "C"):
        Client(HTTP_USER_AGENT=agent).get(f"{ARTICLES}/{article.pk}")

    emit_flush()
    runner = StreamBatchRunner(reads.READS_GROUP, batch_size=3, batch_wait_ms=10)
    calls: list[int] = []
    real = runner.handler.func
    runner.handler = dataclasses.replace(
        runner.handler, func=lambda events: calls.append(len(events)) or real(events)
    )
    assert runner.run(until_empty=True) >= 1  # packs: as the sender thread happened to cut them
    assert sum(calls) == 4
    assert max(calls) == 3  # never more than the batch size per call

    assert read_counts() == {article.pk: 3}
    client = get_redis_connection("default")
    assert client.xpending(stream_key("article.read"), "article-reads")["pending"] == 0
    assert runner.run(until_empty=True) == 0
    assert read_counts() == {article.pk: 3}


def test_entries_a_crashed_consumer_never_acknowledged_are_taken_over(author, settings):
    article = published_article(author=author)
    Client(HTTP_USER_AGENT="A").get(f"{ARTICLES}/{article.pk}")
    emit_flush()
    crashed = StreamBatchRunner(reads.READS_GROUP, batch_wait_ms=10, consumer_name="crashed")
    crashed._ensure_groups()
    assert len(crashed._read_new()) == 1  # read, then the process died before applying it

    settings.EVENTS_STREAM_CLAIM_IDLE_MS = 60_000
    survivor = StreamBatchRunner(reads.READS_GROUP, batch_wait_ms=10, consumer_name="survivor")
    assert survivor.run(until_empty=True) == 0  # not idle long enough yet: still the crashed one's
    settings.EVENTS_STREAM_CLAIM_IDLE_MS = 0
    assert survivor.run(until_empty=True) == 1

    assert read_counts() == {article.pk: 1}


def test_a_failing_batch_is_retried_then_dead_lettered_and_acknowledged(author, settings):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 2
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.001
    article = published_article(author=author)
    Client(HTTP_USER_AGENT="A").get(f"{ARTICLES}/{article.pk}")
    calls = []

    def broken(events):
        calls.append(len(events))
        raise RuntimeError("database gone")

    emit_flush()
    runner = StreamBatchRunner(reads.READS_GROUP, batch_wait_ms=10)
    runner.handler = dataclasses.replace(runner.handler, func=broken)
    assert runner.run(until_empty=True) == 1

    assert calls == [1, 1, 1]
    [letter] = DeadLetterEvent.objects.all()
    assert (letter.group, letter.type, letter.attempts) == ("article-reads", "article.read", 3)
    assert "database gone" in letter.error
    client = get_redis_connection("default")
    assert client.xpending(stream_key("article.read"), "article-reads")["pending"] == 0
    assert read_counts() == {}


def test_the_embedded_drain_task_applies_what_is_waiting(author):
    article = published_article(author=author)
    Client(HTTP_USER_AGENT="A").get(f"{ARTICLES}/{article.pk}")

    emit_flush()
    reads.reads_drain()

    assert read_counts() == {article.pk: 1}
    assert ArticleReadMark.objects.get().day == date.today()


# --- concurrency (a real database: SQLite has one writer) ----------------------------------


@pytest.mark.real_db
def test_consumers_applying_overlapping_batches_at_once_count_each_read_once(transactional_db):
    from django.db import connections

    marks = [read(1 + index % 7, f"a:reader-{index}") for index in range(300)]
    # Four consumers, each with a batch overlapping the others' (a redelivery racing the first
    # delivery, or two consumers after a rebalance), over the same articles.
    batches = [marks[start : start + 150] for start in (0, 50, 100, 150)]
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def consume(batch: list[Event]) -> None:
        try:
            start.wait()
            reads.reads_apply(batch)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=consume, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(read_counts().values()) == 300
    assert ArticleReadMark.objects.count() == 300


def test_manage_consume_runs_the_batch_group_on_the_stream(author):
    from io import StringIO

    from django.core.management import call_command

    article = published_article(author=author)
    Client(HTTP_USER_AGENT="A").get(f"{ARTICLES}/{article.pk}")
    emit_flush()
    out = StringIO()

    call_command("consume", "article-reads", "--max-batches", "1", stdout=out)

    assert read_counts() == {article.pk: 1}
    assert "consuming batches of ('article.read',) as group 'article-reads'" in out.getvalue()
