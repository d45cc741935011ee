"""Writes to the search index: keeping it in step with the database, and rebuilding it.

Every sync re-reads the database (:mod:`apps.search.sources`) inside a backend write session,
then writes what it read: a concurrent sync or reindex batch of the same document cannot
interleave between the read and the write, so the index always ends with the latest state.
Upserts and deletes are idempotent; running a sync twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache

from apps.search import sources
from apps.search.backends import get_backend
from apps.search.backends.base import now_stamp
from apps.search.documents import InvalidDocument, check_doc_id, check_doc_type

logger = logging.getLogger(__name__)

# Indexed from their own events only; ``search.any`` must not overwrite them (it would bypass
# the visibility rules those syncs apply).
RESERVED_DOC_TYPES = frozenset({"article", "user"})
REINDEX_STATE_TTL = 7 * 24 * 3600


def search_article_sync(*, article_id: int) -> bool:
    """Index the article if it is public, else remove it; True when it is now indexed."""
    backend = get_backend()
    with backend.session():
        document = sources.article_document(article_id)
        if document is None:
            backend.delete("article", str(article_id))
            return False
        backend.upsert(
            "article", str(article_id), sources.source_for("article").indexed_fields(document)
        )
    return True


def search_user_sync(*, user_id: int) -> bool:
    """Index the user's public profile if active, else remove it; True when now indexed.

    A changed nickname is also part of every article by this user (``author_nickname``), so
    those articles are synced too.
    """
    backend = get_backend()
    with backend.session():
        previous = backend.get("user", str(user_id))
        document = sources.user_document(user_id)
        if document is None:
            backend.delete("user", str(user_id))
        else:
            backend.upsert(
                "user", str(user_id), sources.source_for("user").indexed_fields(document)
            )
    if _nickname(previous) != _nickname(document):
        search_author_articles_sync(author_id=user_id)
    return document is not None


def search_author_articles_sync(*, author_id: int) -> int:
    """Re-sync every indexed article of an author; returns how many there were."""
    backend = get_backend()
    article_ids = list(backend.iter_ids("article", filters={"author_id": author_id}))
    for article_id in article_ids:
        search_article_sync(article_id=int(article_id))
    return len(article_ids)


def search_document_apply(
    *, doc_type: str, doc_id: object, op: str, fields: Mapping[str, Any] | None = None
) -> None:
    """Apply a ``search.any`` document from another app: upsert its fields, or delete it."""
    check_doc_type(doc_type)
    doc_id = check_doc_id(doc_id)
    if doc_type in RESERVED_DOC_TYPES:
        raise InvalidDocument(f"{doc_type!r} documents are indexed from their own events")
    backend = get_backend()
    if op == "upsert":
        backend.upsert(doc_type, doc_id, fields or {})
    elif op == "delete":
        backend.delete(doc_type, doc_id)
    else:
        raise InvalidDocument(f"op is 'upsert' or 'delete', not {op!r}")


@dataclass(frozen=True, slots=True)
class ReindexState:
    started: int  # the run's start stamp: documents written before it and not since are stale
    after_id: int  # the last id indexed


def search_reindex(
    *,
    doc_type: str,
    batch_size: int,
    resume: bool = False,
    on_batch: Callable[[int], object] | None = None,
) -> int:
    """Rebuild one type's documents from the database while the index keeps serving.

    Documents are upserted in place, in id order, one batch per write session; then every
    document of the type written before the run started (and not since, by an event) is
    deleted: those are the ones no longer in the database. Searches see old or new versions of
    a document, never a gap. The position is saved after each batch, so ``resume=True``
    continues an interrupted run with the same start stamp. Returns the documents indexed.
    """
    source = sources.source_for(doc_type)
    state = _reindex_state_load(doc_type) if resume else None
    state = state or ReindexState(started=now_stamp(), after_id=0)
    indexed = 0
    while True:
        batch = _reindex_batch(source, after_id=state.after_id, batch_size=batch_size)
        if batch:
            state = ReindexState(state.started, int(batch[-1]["id"]))
            _reindex_state_save(doc_type, state)
            indexed += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
        if len(batch) < batch_size:
            break
    get_backend().delete_stale(doc_type, before=state.started)
    cache.delete(_reindex_state_key(doc_type))
    return indexed


def search_reindex_count(*, doc_type: str) -> int | None:
    """How many documents a reindex of the type will write, when the source can tell."""
    return sources.source_for(doc_type).count()


def _reindex_batch(source: sources.Source, *, after_id: int, batch_size: int) -> list[dict]:
    backend = get_backend()
    with backend.session():  # read and write as one step; see the module docstring
        batch = source.batch(after_id, batch_size)
        backend.upsert_many(
            source.doc_type,
            [(str(document["id"]), source.indexed_fields(document)) for document in batch],
        )
    return batch


def _reindex_state_key(doc_type: str) -> str:
    return f"search:reindex:{doc_type}"


def _reindex_state_load(doc_type: str) -> ReindexState | None:
    saved = cache.get(_reindex_state_key(doc_type))
    return ReindexState(**saved) if isinstance(saved, dict) else None


def _reindex_state_save(doc_type: str, state: ReindexState) -> None:
    cache.set(_reindex_state_key(doc_type), asdict(state), timeout=REINDEX_STATE_TTL)


def _nickname(document: Mapping[str, Any] | None) -> str | None:
    return None if document is None else document.get("nickname")
