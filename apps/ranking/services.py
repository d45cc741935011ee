"""Computing the hot list: every public article of the window scored, the best N kept.

The scan walks the public articles newest first in keyset batches of
``RANKING_SCAN_BATCH_SIZE``: each batch's ``(id, publish_seq)`` come from the public list's
covering index (``article_public_list().candidates_queryset``, no article row is read), then
their publication times (``PublishSequence``, written with the first publication) and their
stat rows by primary key: three single-table queries per batch, so no plan depends on the
optimizer's join order, and reading 2000 articles' ids costs 24 ms where their rows (content
included) cost 700 ms. The scan stops at the smallest sequence first published inside the
window (one range of ``PublishSequence``'s ``created_at`` index), so it reads the window's
articles, not the whole table; articles outside the window are still dropped in Python, and
the scan does not assume publication order, so any data is ranked right. Scores go through a
min-heap of ``RANKING_SIZE`` entries: memory is one batch plus N entries, whatever the number of
articles.

``ranking_compute_alone`` runs it under the kernel lock, so with several beats or workers
exactly one computes; the others return ``None`` at once.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from apps.articles.models import PublishSequence
from apps.articles.selectors import article_public_list
from apps.interactions.models import ArticleStat
from apps.ranking.models import HOT_LIST_ID, HotList
from apps.ranking.scoring import ScoreFormula
from scholarnet.locks import single_runner

logger = logging.getLogger(__name__)

LOCK_NAME = "ranking.compute"


@dataclass(frozen=True, slots=True)
class ScanRow:
    article_id: int
    publish_seq: int
    published_at: datetime
    counts: dict[str, int]


def ranking_compute(*, now: datetime | None = None) -> HotList:
    """Score the window's public articles, store the top N and refresh the caches."""
    from apps.ranking.selectors import hot_list_invalidate

    started = time.monotonic()
    now = now or timezone.now()
    formula = ScoreFormula.from_settings()
    size = int(settings.RANKING_SIZE)
    best: list[tuple[float, int]] = []  # min-heap of (score, article id): the N best so far
    scanned = 0
    for row in _window_rows(cutoff=now - formula.window):
        scanned += 1
        entry = (formula.score(row.counts, published_at=row.published_at, now=now), row.article_id)
        if len(best) < size:
            heapq.heappush(best, entry)
        elif entry > best[0]:
            heapq.heapreplace(best, entry)
    ranked = [[article_id, score] for score, article_id in sorted(best, reverse=True)]
    hot, _created = HotList.objects.update_or_create(
        pk=HOT_LIST_ID,
        defaults={
            "computed_at": now,
            "entries": ranked,
            "scanned": scanned,
            "duration_ms": int((time.monotonic() - started) * 1000),
        },
    )
    hot_list_invalidate()
    logger.info("hot list computed", extra={"scanned": scanned, "kept": len(ranked)})
    return hot


@single_runner(LOCK_NAME, ttl_seconds=60)
def ranking_compute_alone(*, now: datetime | None = None) -> HotList:
    """:func:`ranking_compute` if no other process is computing; ``None`` (skipped) otherwise."""
    return ranking_compute(now=now)


def _counter_columns() -> list[str]:
    # Only the counters the stat rows have (reward_count arrives with the rewards app).
    from apps.ranking.scoring import FACTORS

    present = {field.name for field in ArticleStat._meta.concrete_fields}
    return [name for name, _setting in FACTORS if name in present]


def _window_rows(*, cutoff: datetime) -> Iterator[ScanRow]:
    counters = _counter_columns()
    batch_size = int(settings.RANKING_SCAN_BATCH_SIZE)
    candidates = article_public_list()
    lowest = _lowest_window_seq(cutoff=cutoff)
    if lowest is None:
        return  # nothing was first published inside the window
    before: int | None = None
    while True:
        # (id, publish_seq) from the public index alone (covering: no article row is read).
        batch = list(candidates.candidates_queryset(before=before, limit=batch_size))
        yield from _scored_rows(batch, counters=counters, cutoff=cutoff)
        if len(batch) < batch_size or batch[-1][1] <= lowest:
            return
        before = batch[-1][1]


def _lowest_window_seq(*, cutoff: datetime) -> int | None:
    """The smallest ``publish_seq`` first published inside the window: where the scan stops.

    Every article of the window has a sequence at least this one, whatever the order of the
    publication times, so stopping there drops none; with sequences assigned in publication
    order (always, outside generated data) the scan reads the window's articles and no others.
    One range of the ``created_at`` index.
    """
    inside = PublishSequence.objects.filter(created_at__gte=cutoff)
    return inside.aggregate(lowest=Min("pk"))["lowest"]


def _scored_rows(
    batch: list[tuple[int, int]], *, counters: list[str], cutoff: datetime
) -> list[ScanRow]:
    """The batch's articles inside the window, with their counters (two primary-key reads)."""
    if not batch:
        return []
    # The publication time from the sequence row written with the first publication: a narrow
    # row by primary key, where the article's own row would mean reading its content too.
    published = dict(
        PublishSequence.objects.filter(pk__in=[seq for _id, seq in batch]).values_list(
            "pk", "created_at"
        )
    )
    stats = {
        row["article_id"]: row
        for row in ArticleStat.objects.filter(article_id__in=[pk for pk, _seq in batch]).values(
            "article_id", *counters
        )
    }
    empty: dict[str, int] = {}
    return [
        ScanRow(
            article_id=article_id,
            publish_seq=seq,
            published_at=published[seq],
            counts={name: stats.get(article_id, empty).get(name) or 0 for name in counters},
        )
        for article_id, seq in batch
        if seq in published and published[seq] >= cutoff
    ]
