"""The one interface every search backend implements, and the parts they share.

Backends differ only in where documents live and how a :class:`ParsedQuery` becomes a native
query. Analysis (:mod:`apps.search.analysis`), document preparation
(:mod:`apps.search.documents`) and highlighting (:mod:`apps.search.highlight`) happen here,
before and after the backend-specific part, so every backend matches and highlights alike.

Writes made inside ``with backend.session():`` are serialised with every other session on the
same index, across threads and processes, and become visible together when it ends. A service
that reads the database and then writes what it read does both inside one session, so two
writers can never apply an older read after a newer one.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from apps.search.documents import (
    IndexDocument,
    ParsedQuery,
    check_doc_id,
    check_doc_type,
    parse_query,
    prepare_document,
    spec_for,
)
from apps.search.highlight import highlights
from scholarnet.api.errors import ServiceUnavailable


class SearchUnavailable(ServiceUnavailable):
    code = "search_unavailable"
    default_detail = "Search is temporarily unavailable."


@dataclass(frozen=True, slots=True)
class Hit:
    doc_id: str
    score: float
    fields: dict[str, Any]
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[Hit]
    total: int


@dataclass(frozen=True, slots=True)
class RawHit:
    """What a backend's native search returns, before highlighting."""

    doc_id: str
    score: float
    source: dict[str, Any]


def now_stamp() -> int:
    """The write stamp of a document: milliseconds since the epoch (see ``delete_stale``)."""
    return time.time_ns() // 1_000_000


class SearchBackend(ABC):
    name: str = ""

    # --- writes ----------------------------------------------------------------------------

    def upsert(self, doc_type: str, doc_id: str, fields: Mapping[str, Any]) -> None:
        self.upsert_many(doc_type, [(doc_id, fields)])

    def upsert_many(self, doc_type: str, documents: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """Add or replace documents by (doc_type, doc_id); returns how many were written."""
        prepared = [prepare_document(doc_type, doc_id, fields) for doc_id, fields in documents]
        if prepared:
            self._write(prepared, stamp=now_stamp())
        return len(prepared)

    def delete(self, doc_type: str, doc_id: str) -> None:
        """Remove one document; removing one that is not there is not an error."""
        self._delete(check_doc_type(doc_type), check_doc_id(doc_id))

    @abstractmethod
    def clear(self, doc_type: str) -> None:
        """Remove every document of a type."""

    @abstractmethod
    def delete_stale(self, doc_type: str, *, before: int) -> None:
        """Remove the documents of a type last written before the stamp ``before``."""

    @abstractmethod
    def session(self) -> AbstractContextManager[None]:
        """Serialise a read-then-write sequence with every other writer of this index."""

    # --- reads -----------------------------------------------------------------------------

    def search(
        self,
        doc_type: str,
        query: str,
        *,
        filters: Mapping[str, object] | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> SearchPage:
        """Documents of ``doc_type`` matching every term of ``query`` (all documents for a query
        without terms) and every filter (``{"tags": "nlp"}`` matches keyword ``tags=nlp``), best
        first, with highlights of the fields their type highlights."""
        check_doc_type(doc_type)
        parsed = parse_query(query, filters=filters)
        raw_hits, total = self._search(doc_type, parsed, offset=max(0, offset), limit=limit)
        names = spec_for(doc_type).highlight
        terms = set(parsed.terms)
        hits = [
            Hit(raw.doc_id, raw.score, raw.source, highlights(raw.source, names, terms))
            for raw in raw_hits
        ]
        return SearchPage(hits=hits, total=total)

    def iter_ids(
        self, doc_type: str, *, filters: Mapping[str, object], batch_size: int = 500
    ) -> Iterator[str]:
        """The ids of every document of a type that matches the filters."""
        offset = 0
        while True:
            page, _total = self._search(
                doc_type, parse_query("", filters=filters), offset=offset, limit=batch_size
            )
            yield from (raw.doc_id for raw in page)
            if len(page) < batch_size:
                return
            offset += batch_size

    @abstractmethod
    def get(self, doc_type: str, doc_id: str) -> dict[str, Any] | None:
        """The stored fields of one document, or None."""

    @abstractmethod
    def refresh(self) -> None:
        """Make every completed write visible to searches now."""

    # --- backend-specific parts ------------------------------------------------------------

    @abstractmethod
    def _write(self, documents: Sequence[IndexDocument], *, stamp: int) -> None: ...

    @abstractmethod
    def _delete(self, doc_type: str, doc_id: str) -> None: ...

    @abstractmethod
    def _search(
        self, doc_type: str, query: ParsedQuery, *, offset: int, limit: int
    ) -> tuple[list[RawHit], int]: ...
