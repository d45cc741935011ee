"""The tantivy backend's concurrency: one writer at a time across threads and processes, readers
that follow other processes' commits, and clean failure when the writer cannot be had."""

from __future__ import annotations

import fcntl
import multiprocessing
import threading
import time
from pathlib import Path

import pytest
import tantivy

from apps.search.backends import get_backend
from apps.search.backends.base import SearchUnavailable
from apps.search.backends.tantivy_backend import SCHEMA_VERSION, TantivyBackend

DOC = {"title": "Sparse solvers", "text": "preconditioned conjugate gradients"}


def _write_many(path: str, prefix: str, count: int) -> None:
    backend = TantivyBackend(path, writer_heap_bytes=15_000_000, lock_timeout=60)
    for number in range(count):
        backend.upsert("article", f"{prefix}{number}", DOC)


def test_the_configured_backend_is_tantivy_under_the_settings_path(settings, tmp_path):
    backend = get_backend()

    assert isinstance(backend, TantivyBackend)
    assert backend.path == Path(settings.SEARCH_TANTIVY_PATH) / SCHEMA_VERSION
    assert get_backend() is backend
    settings.SEARCH_TANTIVY_PATH = tmp_path / "elsewhere"
    assert get_backend() is not backend


def test_writer_processes_take_turns_and_every_write_lands(tmp_path):
    path = str(tmp_path / "index")
    reader = TantivyBackend(path)
    assert reader.search("article", "solvers").total == 0  # opened before the writers ran
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_write_many, args=(path, f"p{number}-", 10)) for number in range(3)
    ]

    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)

    assert [process.exitcode for process in writers] == [0, 0, 0]
    # Another process's commits are seen without an explicit refresh.
    assert reader.search("article", "solvers").total == 30


def test_writer_threads_take_turns_and_every_write_lands(tmp_path):
    backend = TantivyBackend(tmp_path / "index", lock_timeout=60)
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            for number in range(10):
                backend.upsert("article", f"{prefix}{number}", DOC)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(f"t{n}-",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert backend.search("article", "solvers").total == 60


def test_a_write_waits_for_the_process_holding_the_lock_then_gives_up(tmp_path):
    backend = TantivyBackend(tmp_path / "index", lock_timeout=0.3)
    backend.upsert("article", "1", DOC)

    with open(backend.lock_path, "a+b") as other_process:
        fcntl.flock(other_process.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(SearchUnavailable):
            backend.upsert("article", "2", DOC)
        assert time.monotonic() - started >= 0.3
        fcntl.flock(other_process.fileno(), fcntl.LOCK_UN)

    backend.upsert("article", "2", DOC)
    assert sorted(backend.iter_ids("article", filters={})) == ["1", "2"]


def test_a_foreign_tantivy_writer_is_waited_for(tmp_path):
    backend = TantivyBackend(tmp_path / "index", lock_timeout=0.3)
    backend.upsert("article", "1", DOC)
    foreign = tantivy.Index.open(str(backend.path)).writer(heap_size=15_000_000, num_threads=1)

    with pytest.raises(SearchUnavailable):
        backend.upsert("article", "2", DOC)

    foreign.wait_merging_threads()  # closes it
    backend.upsert("article", "2", DOC)
    assert backend.search("article", "solvers").total == 2


def test_a_failed_session_writes_nothing_and_frees_the_writer(tmp_path):
    backend = TantivyBackend(tmp_path / "index")
    backend.upsert("article", "1", DOC)

    def failing_sync() -> None:
        with backend.session():
            backend.delete("article", "1")
            backend.upsert("article", "2", DOC)
            raise RuntimeError("the database read failed")

    with pytest.raises(RuntimeError):
        failing_sync()

    assert list(backend.iter_ids("article", filters={})) == ["1"]
    backend.upsert("article", "3", DOC)
    assert sorted(backend.iter_ids("article", filters={})) == ["1", "3"]


def test_a_reader_sees_a_commit_made_right_after_its_last_search(tmp_path):
    writer = TantivyBackend(tmp_path / "index")
    reader = TantivyBackend(tmp_path / "index")

    for number in range(5):
        writer.upsert("article", str(number), DOC)
        assert reader.search("article", "solvers").total == number + 1


def test_a_session_keeps_other_writers_out_until_it_ends(tmp_path):
    """A sync reads the database and writes what it read in one session: a writer arriving in
    between (another thread here, another process in production) waits for the end."""
    backend = TantivyBackend(tmp_path / "index", lock_timeout=30)
    other = TantivyBackend(tmp_path / "index", lock_timeout=30)  # as another process would
    order: list[str] = []
    inside = threading.Event()

    def other_writer() -> None:
        inside.wait()
        other.upsert("article", "2", DOC)
        order.append("other wrote")

    thread = threading.Thread(target=other_writer)
    thread.start()
    with backend.session():
        inside.set()
        time.sleep(0.3)  # the "database read"
        backend.upsert("article", "1", DOC)
        order.append("session wrote")
    thread.join(timeout=30)

    assert order == ["session wrote", "other wrote"]
    assert backend.search("article", "solvers").total == 2
