import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django_redis import get_redis_connection

from apps.comments import services as comment_services
from apps.interactions import reads, recount, services
from apps.interactions.comment_counts import article_comment_facts
from apps.interactions.counters import counts_key
from apps.interactions.models import ArticleReadDay, ArticleReadMark, ArticleStat
from apps.interactions.selectors import article_stats_provide
from scholarnet.events.envelope import Event
from tests.articles.factories import published_article
from tests.interactions.conftest import stat
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _corrupted() -> list[int]:
    articles = [published_article() for _ in range(3)]
    readers = [UserFactory() for _ in range(2)]
    for reader in readers:
        services.article_like(user=reader, article_id=articles[0].pk)
        services.article_collect(user=reader, article_id=articles[1].pk)
    ArticleStat.objects.filter(pk=articles[0].pk).update(like_count=7, collect_count=3)
    ArticleStat.objects.filter(pk=articles[1].pk).update(collect_count=0)
    ArticleStat.objects.create(article_id=articles[2].pk, like_count=5)
    return [article.pk for article in articles]


def test_recount_rebuilds_the_counters_from_the_facts_and_drops_the_hashes(
    capsys, django_capture_on_commit_callbacks
):
    ids = _corrupted()
    article_stats_provide(ids=ids)  # fills the Redis hashes with the wrong values
    assert get_redis_connection("default").exists(counts_key(ids[0]))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("interactions_recount", "--batch-size", "2", "--no-progress")

    assert [stat(article_id) for article_id in ids] == [(2, 0), (0, 2), (0, 0)]
    assert "Recounted 3 articles: 3 corrected." in capsys.readouterr().out
    assert not get_redis_connection("default").exists(*[counts_key(i) for i in ids])
    assert article_stats_provide(ids=ids)[ids[0]]["like_count"] == 2


def test_recount_starts_after_the_given_id_and_resumes_from_the_saved_position(capsys):
    ids = _corrupted()

    call_command("interactions_recount", "--after-id", str(ids[1]), "--no-progress")
    assert [stat(article_id) for article_id in ids] == [(7, 3), (0, 0), (0, 0)]

    get_redis_connection("default").set("interactions:recount:position", ids[0])
    call_command("interactions_recount", "--resume", "--no-progress")
    assert [stat(article_id) for article_id in ids] == [(7, 3), (0, 2), (0, 0)]
    assert "Recounted 2 articles: 1 corrected." in capsys.readouterr().out.splitlines()[-1]


# --- read_count and comment_count ------------------------------------------------------------


def _read(article_id: int, reader: str, at: datetime) -> Event:
    payload = {"article_id": article_id, "author_id": None, "reader": reader}
    return Event(uuid.uuid4(), "article.read", 1, at, payload)


def _counts(article_id: int) -> tuple[int, int]:
    row = ArticleStat.objects.get(pk=article_id)
    return row.read_count, row.comment_count


def test_read_count_is_rebuilt_from_the_marks_and_the_rolled_up_days(settings):
    settings.READS_MARK_RETENTION_DAYS = 3
    article = published_article()
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=10), now
    reads.reads_apply([_read(article.pk, f"a:{n}", old) for n in range(4)])
    reads.reads_apply([_read(article.pk, "a:0", old), _read(article.pk, "a:9", recent)])
    assert reads.read_marks_prune() == 4  # the old day moves to ArticleReadDay
    assert list(ArticleReadDay.objects.values_list("article_id", "readers")) == [(article.pk, 4)]
    ArticleStat.objects.filter(pk=article.pk).update(read_count=77)

    call_command("interactions_recount", "--no-progress")

    assert _counts(article.pk)[0] == 5  # 4 readers on the pruned day, 1 today


def test_pruning_twice_or_in_several_chunks_keeps_every_read_once(settings, monkeypatch):
    settings.READS_MARK_RETENTION_DAYS = 3
    monkeypatch.setattr(reads, "PRUNE_CHUNK", 2)
    old = datetime.now(UTC) - timedelta(days=5)
    reads.reads_apply([_read(1, f"a:{n}", old) for n in range(5)] + [_read(2, "a:x", old)])

    assert reads.read_marks_prune() == 6
    assert reads.read_marks_prune() == 0

    assert sorted(ArticleReadDay.objects.values_list("article_id", "readers")) == [(1, 5), (2, 1)]
    assert ArticleReadMark.objects.count() == 0


def test_comment_count_is_rebuilt_from_the_comments_through_the_provider():
    article = published_article()
    writer = UserFactory()
    root = comment_services.comment_create(user=writer, article_id=article.pk, content="Hi")
    comment_services.comment_create(
        user=writer, article_id=article.pk, content="Re", parent_id=root.pk
    )
    untouched = published_article()
    ArticleStat.objects.filter(pk=article.pk).update(comment_count=9)
    ArticleStat.objects.create(article_id=untouched.pk, comment_count=3)

    call_command("interactions_recount", "--no-progress")

    assert [_counts(article.pk)[1], _counts(untouched.pk)[1]] == [2, 0]


def test_counts_limits_the_run_to_the_named_counters():
    article = published_article()
    services.article_like(user=UserFactory(), article_id=article.pk)
    ArticleStat.objects.filter(pk=article.pk).update(like_count=5, read_count=8, comment_count=4)

    call_command("interactions_recount", "--counts", "read_count", "--no-progress")

    row = ArticleStat.objects.get(pk=article.pk)
    assert (row.like_count, row.read_count, row.comment_count) == (5, 0, 4)


def test_without_a_comments_provider_comment_count_is_left_alone():
    article = published_article()
    ArticleStat.objects.create(article_id=article.pk, like_count=3, comment_count=4)
    article_comment_facts.unregister("comments")
    try:
        changed = recount.article_stats_recount(article_ids=[article.pk])
    finally:
        apps.get_app_config("comments").ready()

    assert changed == 1
    assert stat(article.pk) == (0, 0)
    assert _counts(article.pk)[1] == 4
    assert article_comment_facts.provider_names() == ["comments"]


def test_a_recount_costs_a_constant_number_of_queries_per_batch(django_assert_max_num_queries):
    articles = [published_article() for _ in range(6)]
    for article in articles:
        services.article_like(user=UserFactory(), article_id=article.pk)
    ids = [article.pk for article in articles]

    # bulk create, lock, likes, collects, read day span, marks, read days, comments, update
    with django_assert_max_num_queries(11):
        recount.article_stats_recount(article_ids=ids[:2])
    with django_assert_max_num_queries(11):
        recount.article_stats_recount(article_ids=ids)
