"""Computing the hot list: the window's public articles, scored, the best N kept, by one runner."""

from __future__ import annotations

import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.articles import services as article_services
from apps.ranking import services
from apps.ranking.models import HotList
from apps.ranking.scoring import ScoreFormula
from apps.ranking.selectors import hot_list_get
from apps.ranking.tasks import ranking_compute as ranking_compute_task
from scholarnet.locks import RedisLock
from tests.ranking.conftest import live_article

pytestmark = pytest.mark.django_db


def ids(hot: HotList) -> list[int]:
    return [article_id for article_id, _score in hot.entries]


def test_the_best_scores_come_first_with_their_exact_scores(author):
    now = timezone.now()
    fresh = live_article(author=author, hours_ago=1, likes=10, now=now)
    old_popular = live_article(author=author, hours_ago=100, likes=200, now=now)
    unliked = live_article(author=author, hours_ago=3, likes=0, now=now)

    hot = services.ranking_compute(now=now)

    assert ids(hot) == [fresh, old_popular, unliked]
    assert [score for _id, score in hot.entries] == pytest.approx(
        [9 / 3**1.5, 199 / 102**1.5, -1 / 5**1.5]
    )
    assert hot.scanned == 3


def test_articles_outside_the_window_private_or_taken_down_are_not_ranked(author, settings):
    now = timezone.now()
    kept = live_article(author=author, hours_ago=5, likes=3, now=now)
    live_article(author=author, hours_ago=7 * 24 + 1, likes=1000, now=now)  # too old
    withdrawn = live_article(author=author, hours_ago=1, likes=50, now=now)
    article_services.article_withdraw(article_id=withdrawn, author=author)

    hot = services.ranking_compute(now=now)

    assert ids(hot) == [kept]
    assert hot.scanned == 1


def test_the_top_n_over_many_scan_batches_equals_a_full_sort(author, settings):
    settings.RANKING_SIZE = 4
    settings.RANKING_SCAN_BATCH_SIZE = 3
    now = timezone.now()
    likes = [5, 0, 17, 3, 3, 40, 8, 1, 12, 9, 2]
    created = [
        live_article(author=author, hours_ago=index * 2.5, likes=count, now=now)
        for index, count in enumerate(likes)
    ]
    formula = ScoreFormula.from_settings()
    hours = {article_id: index * 2.5 for index, article_id in enumerate(created)}
    expected = sorted(
        created,
        key=lambda article_id: (
            (likes[created.index(article_id)] - 1) / (hours[article_id] + 2) ** 1.5
        ),
        reverse=True,
    )[:4]

    hot = services.ranking_compute(now=now)

    assert ids(hot) == expected
    assert hot.scanned == len(likes)
    assert formula.window.days == 7


def test_a_recompute_replaces_the_cached_list_at_once(author):
    now = timezone.now()
    first = live_article(author=author, hours_ago=1, likes=5, now=now)
    services.ranking_compute(now=now)
    assert [entry[0] for entry in hot_list_get()["entries"]] == [first]

    second = live_article(author=author, hours_ago=1, likes=50, now=now)
    services.ranking_compute(now=now)

    assert [entry[0] for entry in hot_list_get()["entries"]] == [second, first]


def test_exactly_one_of_several_concurrent_runners_computes(monkeypatch):
    calls: list[int] = []
    computed = HotList(computed_at=timezone.now(), entries=[])

    def slow_compute(**kwargs):
        # No database here: the threads' connections cannot see the test's transaction, and the
        # subject is the lock. Long enough for every thread to try it meanwhile.
        calls.append(1)
        time.sleep(0.3)
        return computed

    monkeypatch.setattr(services, "ranking_compute", slow_compute)
    start = threading.Barrier(6)
    results: list[object] = []

    def run() -> None:
        start.wait()
        results.append(services.ranking_compute_alone())

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1
    assert results.count(computed) == 1
    assert results.count(None) == 5
    assert services.ranking_compute_alone() is computed  # released afterwards


def test_the_beat_task_and_the_command_skip_while_another_process_computes(author):
    live_article(author=author, hours_ago=1, likes=5)
    lock = RedisLock(services.LOCK_NAME, ttl_seconds=30)
    assert lock.acquire()
    try:
        assert ranking_compute_task() is None
        with pytest.raises(CommandError, match="another process"):
            call_command("rank_compute")
        assert not HotList.objects.exists()
    finally:
        lock.release()

    assert ranking_compute_task() == 1
    out = StringIO()
    call_command("rank_compute", stdout=out)
    assert out.getvalue().startswith("kept 1 of 1 articles in ")


def test_the_scan_stops_at_the_windows_first_sequence(author, settings):
    settings.RANKING_SCAN_BATCH_SIZE = 2
    now = timezone.now()
    for _old in range(6):
        live_article(author=author, hours_ago=30 * 24, likes=5, now=now)
    recent = [live_article(author=author, hours_ago=hours, likes=3, now=now) for hours in (2, 1)]

    with CaptureQueriesContext(connection) as queries:
        hot = services.ranking_compute(now=now)

    # One batch of candidates: it reaches the window's lowest sequence, the six older articles
    # (three more batches) are never read.
    candidates = [q for q in queries if "articles_publishedarticle" in q["sql"]]
    assert len(candidates) == 1
    assert sorted(ids(hot)) == sorted(recent)
    assert hot.scanned == 2


def test_out_of_order_publication_times_are_still_ranked(author, settings):
    """Sequences need not follow the publication times: none of the window is dropped."""
    settings.RANKING_SCAN_BATCH_SIZE = 2
    now = timezone.now()
    early_seq_recent = live_article(author=author, hours_ago=1, likes=9, now=now)
    for _old in range(5):
        live_article(author=author, hours_ago=30 * 24, likes=5, now=now)
    late_seq_recent = live_article(author=author, hours_ago=2, likes=4, now=now)

    hot = services.ranking_compute(now=now)

    assert ids(hot) == [early_seq_recent, late_seq_recent]


def test_an_empty_window_stores_an_empty_list_without_scanning(author):
    now = timezone.now()
    live_article(author=author, hours_ago=30 * 24, likes=5, now=now)

    with CaptureQueriesContext(connection) as queries:
        hot = services.ranking_compute(now=now)

    assert (hot.entries, hot.scanned) == ([], 0)
    assert not [q for q in queries if "articles_publishedarticle" in q["sql"]]
