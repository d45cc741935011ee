"""Computing the hot list: every public article of the window scored, the best N kept.

The scan walks the public articles of the window newest first, in keyset batches of
``RANKING_SCAN_BATCH_SIZE`` on the ``(status, taken_down_at, publish_seq)`` index, each batch one
statement joined to its stat rows. The window (``published_at >= cutoff``) is filtered by the
database, not assumed from the order, so any data is ranked right; the price is that the last
batch's query walks the rest of that index (an index on ``published_at`` would bound it).
Scores go through a min-heap of ``RANKING_SIZE`` entries: memory is one batch plus N entries,
whatever the number of articles.

``ranking_compute_alone`` runs it under the kernel lock, so with several beats or workers
exactly one computes; the others return ``None`` at once.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.articles.models import LiveStatus, PublishedArticle
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
    before: int | None = None
    while True:
        rows = _batch(counters, cutoff=cutoff, before=before, limit=batch_size)
        yield from rows
        if len(rows) < batch_size:
            return
        before = rows[-1].publish_seq


def _batch(
    counters: list[str], *, cutoff: datetime, before: int | None, limit: int
) -> list[ScanRow]:
    quote = connection.ops.quote_name
    live, stat = PublishedArticle._meta.db_table, ArticleStat._meta.db_table
    selected = ", ".join(f"s.{quote(name)}" for name in counters)
    keyset = "" if before is None else "AND p.publish_seq < %s "
    sql = (
        f"SELECT p.id, p.publish_seq, p.published_at, {selected} "  # noqa: S608 - names from models
        f"FROM {quote(live)} p LEFT JOIN {quote(stat)} s ON s.article_id = p.id "
        f"WHERE p.status = %s AND p.taken_down_at IS NULL AND p.published_at >= %s {keyset}"
        f"ORDER BY p.publish_seq DESC LIMIT %s"
    )
    since = PublishedArticle._meta.get_field("published_at").get_db_prep_value(cutoff, connection)
    keys = [before] if before is not None else []
    params: list[Any] = [LiveStatus.PUBLISHED, since, *keys, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_scan_row(counters, values) for values in cursor.fetchall()]


def _scan_row(counters: list[str], values: tuple[Any, ...]) -> ScanRow:
    article_id, publish_seq, published_at, *counts = values
    if isinstance(published_at, str):  # SQLite without declared-type parsing
        published_at = datetime.fromisoformat(published_at)
    if published_at.tzinfo is None:  # stored in UTC (USE_TZ)
        published_at = published_at.replace(tzinfo=UTC)
    return ScanRow(
        article_id=article_id,
        publish_seq=publish_seq,
        published_at=published_at,
        counts={name: count or 0 for name, count in zip(counters, counts, strict=True)},
    )
