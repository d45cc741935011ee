"""The embedded backend: one tantivy index in a directory under ``var/``.

Writers. Tantivy allows one ``IndexWriter`` per index directory, across processes. A write
session takes an in-process lock (threads), then an exclusive ``flock`` on a file next to the
index (processes: the web server, the Celery worker that runs the relay, the event consumer,
``search_reindex``), opens a writer, commits once at the end and closes the writer, which
releases tantivy's own lock. No process keeps the writer between sessions, so whichever process
has work next gets it; a session waits up to ``SEARCH_WRITE_LOCK_TIMEOUT`` seconds, then fails
with ``SearchUnavailable`` (an event handler is then retried). ``flock`` locks die with their
process, so a crashed writer never leaves the index locked, and a node-local lock fits a
node-local index (a Redis lock would be shared by nodes that each have their own index).

Readers. Every process opens the index for reading with manual reloads and, before each search,
compares the index's ``meta.json`` (rewritten atomically by every commit) with the one it last
loaded, reloading when it changed: a search sees every commit that finished before it started,
at the cost of reading one small file.

One index holds every doc type (a ``doc_type`` field); the directory carries a schema version,
so a future schema change builds a new index beside the old one instead of failing to open it.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import tantivy

from apps.search.backends.base import RawHit, SearchBackend, SearchUnavailable
from apps.search.documents import IndexDocument, ParsedQuery, check_doc_id, document_key

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "v1"
PRIMARY_BOOST = 3.0
PHRASE_BOOST = 2.0
_RETRY_PAUSE = 0.05


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", tokenizer_name="raw")  # "article:42", the delete term
    builder.add_text_field("doc_type", tokenizer_name="raw")
    builder.add_text_field("doc_id", stored=True, tokenizer_name="raw")
    # Pre-tokenised by apps.search.analysis; the tokenizer name only matters to tantivy's own
    # query parser, which is never used.
    builder.add_text_field("primary", tokenizer_name="whitespace")
    builder.add_text_field("secondary", tokenizer_name="whitespace")
    builder.add_text_field("keywords", tokenizer_name="raw")
    builder.add_bytes_field("source", stored=True)  # the original fields as JSON
    builder.add_unsigned_field("stamp", indexed=True, fast=True)
    return builder.build()


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(
        self, path: Path | str, *, writer_heap_bytes: int = 50_000_000, lock_timeout: float = 30
    ) -> None:
        self.path = Path(path) / SCHEMA_VERSION
        self.lock_path = Path(path) / f"{SCHEMA_VERSION}.writer.lock"
        self.writer_heap_bytes = writer_heap_bytes
        self.lock_timeout = lock_timeout
        self.schema = build_schema()
        self._index: tantivy.Index | None = None
        self._loaded_meta: bytes | None = None
        self._open_lock = threading.Lock()
        self._session_lock = threading.RLock()
        self._writer: tantivy.IndexWriter | None = None

    # --- writes ----------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[None]:
        with self._session_lock:
            if self._writer is not None:  # nested in this thread's session: join it
                yield
                return
            index = self._open_index()
            with self._process_lock():
                writer = self._open_writer(index)
                self._writer = writer
                try:
                    yield
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    self._writer = None
                    writer.wait_merging_threads()  # closes the writer, freeing tantivy's lock

    def clear(self, doc_type: str) -> None:
        with self.session():
            self._current_writer().delete_documents_by_term("doc_type", doc_type)

    def delete_stale(self, doc_type: str, *, before: int) -> None:
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self._term("doc_type", doc_type)),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(
                        self.schema,
                        "stamp",
                        tantivy.FieldType.Unsigned,
                        lower_bound=0,
                        upper_bound=before,
                        include_upper=False,
                    ),
                ),
            ]
        )
        with self.session():
            self._current_writer().delete_documents_by_query(query)

    def _write(self, documents: Sequence[IndexDocument], *, stamp: int) -> None:
        with self.session():
            writer = self._current_writer()
            for document in documents:
                writer.delete_documents_by_term("key", document.key)
                writer.add_document(self._tantivy_document(document, stamp))

    def _delete(self, doc_type: str, doc_id: str) -> None:
        with self.session():
            self._current_writer().delete_documents_by_term("key", document_key(doc_type, doc_id))

    def _tantivy_document(self, document: IndexDocument, stamp: int) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("key", document.key)
        doc.add_text("doc_type", document.doc_type)
        doc.add_text("doc_id", document.doc_id)
        for name, tokens in (("primary", document.primary), ("secondary", document.secondary)):
            if tokens:
                # Offsets only serve tantivy's snippets, which are not used (see highlight.py).
                pre_tokenized = tantivy.PreTokenizedString(
                    "", [tantivy.Token(term, position, 0, 0) for term, position in tokens]
                )
                doc.add_pre_tokenized_text(name, pre_tokenized)
        for keyword in document.keywords:
            doc.add_text("keywords", keyword)
        doc.add_bytes("source", orjson.dumps(document.source))
        doc.add_unsigned("stamp", stamp)
        return doc

    def _current_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("index writes happen inside session()")
        return self._writer

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+b") as lock_file:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SearchUnavailable("The search index is busy; try again.") from None
                    time.sleep(_RETRY_PAUSE)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _open_writer(self, index: tantivy.Index) -> tantivy.IndexWriter:
        # Our flock is held, so tantivy's lock is normally free; a process that writes without
        # taking ours (an old version during a deploy) can still hold it for a moment.
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                return index.writer(heap_size=self.writer_heap_bytes, num_threads=1)
            except ValueError as error:
                if "LockBusy" not in str(error) or time.monotonic() >= deadline:
                    raise SearchUnavailable("The search index is busy; try again.") from error
                time.sleep(_RETRY_PAUSE)

    # --- reads -----------------------------------------------------------------------------

    def get(self, doc_type: str, doc_id: str) -> dict[str, Any] | None:
        key = document_key(doc_type, check_doc_id(doc_id))
        searcher = self._searcher()
        result = searcher.search(self._term("key", key), limit=1, count=False)
        if not result.hits:
            return None
        return self._source(searcher.doc(result.hits[0][1]))

    def refresh(self) -> None:
        self._open_index().reload()
        self._loaded_meta = self._meta()

    def _search(
        self, doc_type: str, query: ParsedQuery, *, offset: int, limit: int
    ) -> tuple[list[RawHit], int]:
        searcher = self._searcher()
        result = searcher.search(self.build_query(doc_type, query), limit=limit, offset=offset)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            hits.append(RawHit(str(doc.get_first("doc_id")), float(score), self._source(doc)))
        return hits, int(result.count or 0)  # type: ignore[attr-defined]  # set by count=True

    def build_query(self, doc_type: str, query: ParsedQuery) -> tantivy.Query:
        """Every term in the title-like field (boosted) or the rest; every filter keyword; the
        doc type. Terms are matched exactly as analysed: there is no query parser to escape."""
        must = tantivy.Occur.Must
        should = tantivy.Occur.Should
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (must, self._term("doc_type", doc_type))
        ]
        for group in query.keywords:
            any_of = [(should, self._term("keywords", keyword)) for keyword in group]
            clauses.append((must, tantivy.Query.boolean_query(any_of)))
        for term in query.terms:
            either_field = tantivy.Query.boolean_query(
                [
                    (should, tantivy.Query.boost_query(self._term("primary", term), PRIMARY_BOOST)),
                    (should, self._term("secondary", term)),
                ]
            )
            clauses.append((must, either_field))
        if query.phrase:
            for name, boost in (("primary", PRIMARY_BOOST * PHRASE_BOOST), ("secondary", 1.0)):
                phrase = tantivy.Query.phrase_query(self.schema, name, list(query.phrase))
                clauses.append((should, tantivy.Query.boost_query(phrase, boost)))
        return tantivy.Query.boolean_query(clauses)

    def _term(self, field_name: str, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field_name, value)

    @staticmethod
    def _source(doc: tantivy.Document) -> dict[str, Any]:
        raw = doc.get_first("source")
        return orjson.loads(raw) if raw else {}

    def _searcher(self) -> tantivy.Searcher:
        index = self._open_index()
        meta = self._meta()
        if meta != self._loaded_meta:
            index.reload()
            self._loaded_meta = meta
        return index.searcher()

    def _meta(self) -> bytes | None:
        # Every commit rewrites meta.json (atomically) with a new opstamp, so its bytes name the
        # committed state exactly; a few KB read per search, unlike an mtime that two quick
        # commits can share.
        try:
            return (self.path / "meta.json").read_bytes()
        except FileNotFoundError:
            return None

    def _exists(self) -> bool:
        return (self.path / "meta.json").is_file()

    def _open_index(self) -> tantivy.Index:
        if self._index is not None:
            return self._index
        with self._open_lock:
            if self._index is None:
                self._index = self._open_or_create()
            return self._index

    def _open_or_create(self) -> tantivy.Index:
        if not self._exists():
            # Two processes must not both create it; the writer lock orders them.
            with self._session_lock, self._process_lock():
                if not self._exists():
                    self.path.mkdir(parents=True, exist_ok=True)
                    index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
                    index.config_reader(reload_policy="manual")
                    return index
        index = tantivy.Index.open(str(self.path))
        index.config_reader(reload_policy="manual")
        return index
