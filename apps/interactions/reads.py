"""Read counts: ``article.read`` events applied in batches, at most three SQL statements each.

Pipeline
    1. Every detail view of an article emits ``article.read`` (``apps.articles.reads``) with
       ``scholarnet.events.stream.emit``: no database write on the request path, no outbox.
       Kafka in services mode (a batching ``acks=1`` producer), a Redis stream in embedded mode.
       A crashing web process loses the reads still in its buffer: the accepted, documented
       price of a count. Likes, collects and every other fact keep the outbox.
    2. The ``article-reads`` consumer group takes them in batches (``READS_BATCH_SIZE`` events
       or ``READS_BATCH_WAIT_MS``, 500 / 1 s) through the kernel's batch-handler API:
       ``manage.py consume article-reads`` (Kafka or Redis streams per ``EVENTS_TRANSPORT``);
       in embedded mode the beat task ``reads_drain`` also empties the stream every few seconds.
    3. :func:`reads_apply` keeps one read per (reader, article, UTC day): the reader is
       ``u:<user id>`` or ``a:<HMAC of IP and user agent>``; the author's own reads are left out.
       In one transaction, whatever the number of events or distinct articles:

       - ``INSERT … ON CONFLICT DO NOTHING`` (MySQL: ``INSERT IGNORE``) of the batch's marks,
         every row tagged with a random batch id;
       - ``SELECT article_id, COUNT(*) … WHERE batch = <id> GROUP BY article_id``: the rows this
         batch inserted, i.e. the reads that are new;
       - one upsert of the stat rows, ``read_count = read_count + n`` (creating missing rows).

       A redelivered batch (the consumer crashed before its ack or commit) inserts nothing and
       so adds nothing: the count is exact under at-least-once delivery.
    4. After the commit the Redis count hashes ``interactive:article:<id>`` are incremented,
       only where they are cached (``counters.counters_incr_on_commit``).

Marks older than ``READS_MARK_RETENTION_DAYS`` are rolled up by the beat task
``read_marks_prune`` into ``ArticleReadDay`` (readers per article and day) and deleted, so
``read_count`` can always be rebuilt from facts: the marks plus the rolled-up days
(``manage.py interactions_recount``).
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from apps.interactions.counters import counters_incr_on_commit
from apps.interactions.models import ArticleReadDay, ArticleReadMark, ArticleStat
from scholarnet.events.batches import batch_consumer
from scholarnet.events.envelope import Event
from scholarnet.jobs.runs import periodic_job

logger = logging.getLogger(__name__)

READS_GROUP = "article-reads"
PRUNE_CHUNK = 5_000
# Rows per INSERT: 4 parameters each stays far below every backend's parameter limit.
MARKS_PER_STATEMENT = 5_000

Mark = tuple[date, int, str]


def read_marks_from_events(events: Iterable[Event]) -> list[Mark]:
    """The batch's distinct (day, article, reader) marks, sorted, without authors' own reads.

    Sorted so concurrent batches insert overlapping keys in one order (no lock-order deadlock).
    """
    marks: set[Mark] = set()
    longest = ArticleReadMark._meta.get_field("reader_key").max_length
    for event in events:
        payload = event.payload
        reader = payload.get("reader")
        article_id = payload.get("article_id")
        if not isinstance(reader, str) or not isinstance(article_id, int) or not reader:
            logger.warning(
                "malformed article.read skipped", extra={"event_id": str(event.event_id)}
            )
            continue
        author_id = payload.get("author_id")
        if author_id is not None and reader == f"u:{author_id}":
            continue  # the author's own read: still a read, never counted
        day = event.occurred_at.astimezone(UTC).date()
        marks.add((day, article_id, reader[:longest]))
    return sorted(marks)


@batch_consumer(
    group=READS_GROUP,
    topics=["article.read"],
    size_setting="READS_BATCH_SIZE",
    wait_setting="READS_BATCH_WAIT_MS",
)
def reads_apply(events: list[Event]) -> dict[int, int]:
    """Count the batch's new reads; returns ``{article_id: reads added}`` (see the module doc)."""
    marks = read_marks_from_events(events)
    if not marks:
        return {}
    batch = secrets.randbits(62) + 1  # 0 is the default of rows from before batches had ids
    with transaction.atomic():
        _marks_insert(marks, batch=batch)
        added = _marks_added(batch=batch)
        if added:
            _stats_add_reads(added)
        counters_incr_on_commit(field="read_count", deltas=added)
    return added


def _marks_insert(marks: list[Mark], *, batch: int) -> None:
    db = connections[DEFAULT_DB_ALIAS]  # the proxy's per-attribute lookups cost per row
    table = db.ops.quote_name(ArticleReadMark._meta.db_table)
    verb = "INSERT IGNORE INTO" if db.vendor == "mysql" else "INSERT INTO"
    tail = "" if db.vendor == "mysql" else " ON CONFLICT DO NOTHING"
    day_field = ArticleReadMark._meta.get_field("day")
    days = {day: day_field.get_db_prep_value(day, db) for day in {mark[0] for mark in marks}}
    with db.cursor() as cursor:
        for start in range(0, len(marks), MARKS_PER_STATEMENT):
            chunk = marks[start : start + MARKS_PER_STATEMENT]
            rows = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for day, article_id, reader in chunk:
                params += [days[day], article_id, reader, batch]
            cursor.execute(
                f"{verb} {table} (day, article_id, reader_key, batch) VALUES {rows}{tail}", params
            )


def _marks_added(*, batch: int) -> dict[int, int]:
    rows = (
        ArticleReadMark.objects.filter(batch=batch)
        .values_list("article_id")
        .annotate(added=models.Count("id"))
        .order_by()
    )
    return dict(rows)


def _stats_add_reads(added: dict[int, int]) -> None:
    """One upsert: ``read_count += n`` per article, creating the stat rows that do not exist."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = list(ArticleStat._meta.concrete_fields)
    template = [_new_stat_value(field, now=timezone.now()) for field in fields]
    names = [field.name for field in fields]
    id_at, reads_at = names.index("article_id"), names.index("read_count")
    params: list[Any] = []
    for article_id in sorted(added):
        row = list(template)
        row[id_at], row[reads_at] = article_id, added[article_id]
        params += row
    quote = db.ops.quote_name
    table = quote(ArticleStat._meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(added))
    sql = f"INSERT INTO {table} ({columns}) VALUES {values} {_upsert_tail(table)}"  # noqa: S608
    with db.cursor() as cursor:
        cursor.execute(sql, params)  # identifiers from the model, every value a parameter


def _upsert_tail(table: str) -> str:
    read, updated = (connection.ops.quote_name(name) for name in ("read_count", "updated_at"))
    if connection.vendor == "mysql":
        return (
            f"ON DUPLICATE KEY UPDATE {read} = {read} + VALUES({read}), "
            f"{updated} = VALUES({updated})"
        )
    return (
        f"ON CONFLICT ({connection.ops.quote_name('article_id')}) DO UPDATE SET "
        f"{read} = {table}.{read} + excluded.{read}, {updated} = excluded.{updated}"
    )


def _new_stat_value(field: models.Field, *, now: Any) -> Any:
    # Every column of a new row, so counters the interactions app adds later keep working.
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        value: Any = now
    else:
        value = field.get_default()
    return field.get_db_prep_value(value, connections[DEFAULT_DB_ALIAS])


@shared_task(ignore_result=True)
@periodic_job(lock="interactions.reads_drain", ttl_seconds=60)
def reads_drain() -> int:
    """Embedded mode: apply every batch waiting in the Redis stream, then return."""
    from scholarnet.events.stream import StreamBatchRunner

    return StreamBatchRunner(READS_GROUP, batch_wait_ms=50).run(until_empty=True)


@shared_task(ignore_result=True)
@periodic_job(lock="interactions.read_marks_prune", ttl_seconds=600)
def read_marks_prune() -> int:
    """Roll the marks of days no read can still arrive for into ``ArticleReadDay``, in chunks.

    Each chunk is locked, added to the per-day rows and deleted in one transaction, so a crash
    or a second runner neither loses a read nor adds one twice: ``read_count`` stays the number
    of marks plus the rolled-up days, which ``interactions_recount`` rebuilds it from.
    """
    cutoff = timezone.now().date() - timedelta(days=settings.READS_MARK_RETENTION_DAYS)
    old = ArticleReadMark.objects.filter(day__lt=cutoff).order_by("id")
    pruned = 0
    while ids := list(old.values_list("id", flat=True)[:PRUNE_CHUNK]):
        pruned += _marks_roll_up(ids)
    return pruned


def _marks_roll_up(ids: list[int]) -> int:
    with transaction.atomic():
        # A locking read sees the latest rows: marks another runner rolled up are gone.
        locked = ArticleReadMark.objects.select_for_update().filter(id__in=ids).order_by("id")
        rows = list(locked.values_list("id", "article_id", "day"))
        if not rows:
            return 0
        days = Counter((article_id, day) for _, article_id, day in rows)
        _read_days_add(days)
        ArticleReadMark.objects.filter(id__in=[row[0] for row in rows]).delete()
    return len(rows)


def _read_days_add(days: Counter[tuple[int, date]]) -> None:
    """One upsert: ``readers += n`` per (article, day), creating the rows that do not exist."""
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    table = quote(ArticleReadDay._meta.db_table)
    day_field = ArticleReadDay._meta.get_field("day")
    params: list[Any] = []
    for (article_id, day), readers in sorted(days.items()):
        params += [article_id, day_field.get_db_prep_value(day, db), readers]
    values = ", ".join(["(%s, %s, %s)"] * len(days))
    column = quote("readers")
    if db.vendor == "mysql":
        tail = f"ON DUPLICATE KEY UPDATE {column} = {column} + VALUES({column})"
    else:
        tail = (
            f"ON CONFLICT ({quote('article_id')}, {quote('day')}) DO UPDATE SET "
            f"{column} = {table}.{column} + excluded.{column}"
        )
    sql = f"INSERT INTO {table} (article_id, day, {column}) VALUES {values} {tail}"  # noqa: S608
    with db.cursor() as cursor:
        cursor.execute(sql, params)  # identifiers from the model, every value a parameter
