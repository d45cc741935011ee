"""The services-mode backend: Elasticsearch 8, one index per doc type.

The indexes and their documents are declared with django-elasticsearch-dsl in
:mod:`apps.search.es_documents` (autosync off: documents arrive analysed from the search
consumer, :mod:`apps.search.analysis`). The mapping indexes the term streams with the
``whitespace`` analyzer, so ES matches exactly the terms tantivy matches; the original fields
are kept in ``source`` (stored in ``_source``, not indexed), for rendering and highlighting.

Write sessions hold a Redis lock shared by every node, so a service's read-the-database-then-
write sequence (an event handler, a reindex batch) never interleaves with another one. Writes
become searchable at the next index refresh (one second by default); ``refresh()`` forces it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import redis
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import Q, Search
from elasticsearch.dsl.query import Query

from apps.search.backends.base import RawHit, SearchBackend, SearchUnavailable
from apps.search.documents import IndexDocument, ParsedQuery, PositionedTerm, check_doc_id
from apps.search.es_documents import search_action, search_index, search_mapping
from scholarnet.locks import RedisLock

PRIMARY_BOOST = 3.0
PHRASE_BOOST = 2.0
WRITE_LOCK_NAME = "search:elasticsearch-writes"
UNAVAILABLE = (TransportConnectionError, ConnectionTimeout)


def build_mapping() -> dict[str, Any]:
    """The mapping of every index: the django-elasticsearch-dsl document's."""
    return search_mapping()


def build_query(query: ParsedQuery) -> Query:
    """Every term in the title-like field (boosted) or the rest, as exact terms; every filter
    keyword. No query string is parsed, so user input cannot inject syntax or fields."""
    if query.match_all and not query.keywords:
        return Q("match_all")
    must = [
        Q(
            "bool",
            should=[
                Q("term", primary={"value": term, "boost": PRIMARY_BOOST}),
                Q("term", secondary={"value": term}),
            ],
            minimum_should_match=1,
        )
        for term in query.terms
    ]
    should = []
    if query.phrase:
        phrase = " ".join(query.phrase)
        should = [
            Q("match_phrase", primary={"query": phrase, "boost": PRIMARY_BOOST * PHRASE_BOOST}),
            Q("match_phrase", secondary={"query": phrase}),
        ]
    filters = [
        Q("term", keywords=group[0]) if len(group) == 1 else Q("terms", keywords=list(group))
        for group in query.keywords
    ]
    return Q("bool", must=must, should=should, filter=filters)


def document_body(document: IndexDocument, *, stamp: int) -> dict[str, Any]:
    """The indexed form: analysed terms joined by spaces, one string per original value so the
    mapping's position gap separates values exactly as tantivy's does."""
    return {
        "doc_id": document.doc_id,
        "primary": _term_values(document.primary),
        "secondary": _term_values(document.secondary),
        "keywords": document.keywords,
        "source": document.source,
        "stamp": stamp,
    }


def _term_values(tokens: Sequence[PositionedTerm]) -> list[str]:
    values: list[list[str]] = []
    last_position: int | None = None
    for term, position in tokens:
        if last_position is None or position != last_position + 1:
            values.append([])  # a position jump starts the next original value
        values[-1].append(term)
        last_position = position
    return [" ".join(terms) for terms in values]


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(
        self,
        url: str = "",
        *,
        index_prefix: str = "scholarnet-",
        client: Elasticsearch | None = None,
        timeout: float = 5.0,
        lock_timeout: float = 30.0,
        write_lock: bool = True,
    ) -> None:
        self.client = client or Elasticsearch(
            url, request_timeout=timeout, retry_on_timeout=True, max_retries=2
        )
        self.index_prefix = index_prefix
        self.lock_timeout = lock_timeout
        self.write_lock = write_lock
        self._local = threading.local()
        self._created: set[str] = set()

    def index_name(self, doc_type: str) -> str:
        return f"{self.index_prefix}{doc_type}"

    # --- writes ----------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth or not self.write_lock:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        lock = RedisLock(WRITE_LOCK_NAME, ttl_seconds=30)
        try:
            acquired = lock.acquire(blocking=True, timeout=self.lock_timeout)
        except (redis.RedisError, OSError) as error:
            raise SearchUnavailable() from error
        if not acquired:
            raise SearchUnavailable("The search index is busy; try again.")
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0
            lock.release()

    def clear(self, doc_type: str) -> None:
        self._delete_by_query(doc_type, Q("match_all"))

    def delete_stale(self, doc_type: str, *, before: int) -> None:
        self._delete_by_query(doc_type, Q("range", stamp={"lt": before}))

    def _write(self, documents: Sequence[IndexDocument], *, stamp: int) -> None:
        for doc_type in {document.doc_type for document in documents}:
            self.ensure_index(doc_type)
        actions = [
            search_action(
                document.doc_type,
                index=self.index_name(document.doc_type),
                doc_id=document.doc_id,
                body=document_body(document, stamp=stamp),
            )
            for document in documents
        ]
        with self.session(), self._unavailable_as_503():
            helpers.bulk(self.client, actions)

    def _delete(self, doc_type: str, doc_id: str) -> None:
        # No such document, or no index yet: either way it is gone.
        with self.session(), self._unavailable_as_503(), suppress(NotFoundError):
            self.client.delete(index=self.index_name(doc_type), id=doc_id)

    def _delete_by_query(self, doc_type: str, query: Query) -> None:
        search = Search(using=self.client, index=self.index_name(doc_type)).query(query)
        with self.session(), self._unavailable_as_503(), suppress(NotFoundError):
            search.params(conflicts="proceed", refresh=True).delete()

    def ensure_index(self, doc_type: str) -> None:
        name = self.index_name(doc_type)
        if name in self._created:
            return
        with self._unavailable_as_503():
            try:
                body = search_index(doc_type, name=name).to_dict()
                self.client.indices.create(index=name, **body)
            except ApiError as error:
                if error.status_code != 400 or "resource_already_exists" not in str(error):
                    raise
        self._created.add(name)

    # --- reads -----------------------------------------------------------------------------

    def get(self, doc_type: str, doc_id: str) -> dict[str, Any] | None:
        with self._unavailable_as_503():
            try:
                found = self.client.get(index=self.index_name(doc_type), id=check_doc_id(doc_id))
            except NotFoundError:
                return None
        return dict(found["_source"].get("source") or {})

    def refresh(self) -> None:
        with self._unavailable_as_503():
            self.client.indices.refresh(index=f"{self.index_prefix}*", allow_no_indices=True)

    def build_search(self, doc_type: str, query: ParsedQuery, *, offset: int, limit: int) -> Search:
        return (
            Search(using=self.client, index=self.index_name(doc_type))
            .query(build_query(query))
            .extra(from_=offset, size=limit, track_total_hits=True)
            .source(["doc_id", "source"])
        )

    def _search(
        self, doc_type: str, query: ParsedQuery, *, offset: int, limit: int
    ) -> tuple[list[RawHit], int]:
        search = self.build_search(doc_type, query, offset=offset, limit=limit)
        with self._unavailable_as_503():
            try:
                response = search.execute()
            except NotFoundError:
                return [], 0  # nothing of this type was ever indexed
        hits = [
            RawHit(
                doc_id=str(hit.meta.id),
                score=float(hit.meta.score or 0.0),
                source=hit.to_dict().get("source") or {},
            )
            for hit in response
        ]
        total = response.hits.total.value  # type: ignore[attr-defined]  # an AttrDict
        return hits, int(total)

    @contextmanager
    def _unavailable_as_503(self) -> Iterator[None]:
        try:
            yield
        except UNAVAILABLE as error:
            raise SearchUnavailable() from error
