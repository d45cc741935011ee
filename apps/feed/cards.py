"""The feed's article cards: list items without counts, kept per process.

A feed page checks its candidates against the live store in one query of a few columns (id,
author, status, take-down, ``updated_at``, ``publish_seq``), so visibility is decided at read
time, every time: a private or taken-down article is never shown. The rest of a card (title,
abstract, tags, the author's name and avatar) comes from this process's copy, keyed by the
article id and valid only for the ``updated_at`` the live row has now: every write to the live
copy (publish, republish, edit of the live version) moves ``updated_at``, so a card is never
older than the article itself. The author's name and avatar can change without the article:
a card is reloaded after ``FEED_CARD_LOCAL_TTL`` seconds at the latest, which bounds that.

Misses are loaded together: the rows, their tags and their authors, three queries for all.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Field

from apps.articles.models import LiveStatus, PublishedArticle
from apps.articles.selectors import article_list_items
from apps.feed.sources import public_rows_by_id

_CHECK_COLUMNS = ("id", "author_id", "status", "taken_down_at", "updated_at", "publish_seq")


@dataclass(frozen=True, slots=True)
class LiveRow:
    """What the feed needs of a live article to decide whether and where to show it."""

    id: int
    author_id: int
    # The row's updated_at as the database driver returns it (naive on MySQL and SQLite),
    # compared for equality only: which version of the article a card was made from.
    version: Any
    publish_seq: int


def live_public_rows(article_ids: list[int]) -> dict[int, LiveRow]:
    """The public ones of ``article_ids``: one primary-key query of a few columns.

    By primary key alone, visibility checked here: with the visibility columns in the WHERE
    clause a planner (SQLite's) may walk the status index instead (see ``public_rows_by_id``).
    Written out as SQL: every feed page asks it, and compiling the ORM's query cost 0.7 ms,
    four times the query itself.
    """
    if not article_ids:
        return {}
    alias = router.db_for_read(PublishedArticle) or DEFAULT_DB_ALIAS
    with connections[alias].cursor() as cursor:
        cursor.execute(_live_rows_sql(alias, len(article_ids)), article_ids)
        rows = cursor.fetchall()
    return {
        article_id: LiveRow(article_id, author_id, updated_at, seq)
        for article_id, author_id, status, taken_down_at, updated_at, seq in rows
        if status == LiveStatus.PUBLISHED and taken_down_at is None
    }


@functools.lru_cache(maxsize=256)
def _live_rows_sql(alias: str, count: int) -> str:
    quote, meta = connections[alias].ops.quote_name, PublishedArticle._meta
    columns = ", ".join(quote(_column(name)) for name in _CHECK_COLUMNS)
    table, key, marks = quote(meta.db_table), quote(str(meta.pk.column)), ", ".join(["%s"] * count)
    # Names from the model's metadata; every value is a parameter.
    return f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})"  # noqa: S608


def _column(name: str) -> str:
    return str(cast("Field[Any, Any]", PublishedArticle._meta.get_field(name)).column)


class CardTier:
    """Cards by article id: ``(version, expires at, card)``, replaced on any mismatch."""

    def __init__(self, *, max_entries: int = 20_000) -> None:
        self._entries: dict[int, tuple[Any, float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def cards(self, rows: Iterable[LiveRow]) -> list[dict[str, Any]]:
        """The cards of ``rows`` in their order (copies: callers add counts to them)."""
        rows = list(rows)
        now, entries = time.monotonic(), self._entries
        found: dict[int, dict[str, Any]] = {}
        for row in rows:
            entry = entries.get(row.id)
            if entry is not None and entry[0] == row.version and entry[1] > now:
                found[row.id] = entry[2]
        missing = [row for row in rows if row.id not in found]
        if missing:
            found.update(self._load(missing, now=now))
        return [dict(found[row.id]) for row in rows if row.id in found]

    def _load(self, missing: list[LiveRow], *, now: float) -> dict[int, dict[str, Any]]:
        live = public_rows_by_id([row.id for row in missing])  # gone private since: left out
        loaded = [live[row.id] for row in missing if row.id in live]
        cards = {card["id"]: card for card in article_list_items(loaded, user=None, decorate=False)}
        expires = now + float(settings.FEED_CARD_LOCAL_TTL)
        with self._lock:
            if len(self._entries) + len(cards) > self._max_entries:
                self._entries.clear()  # rare, and cheaper than tracking recency per read
            # Kept under the version the check saw: a card loaded from a row edited since then
            # is newer than its version, so the next read reloads it; never the other way.
            for row in missing:
                if row.id in cards:
                    self._entries[row.id] = (row.version, expires, cards[row.id])
        return cards

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


card_tier = CardTier()
