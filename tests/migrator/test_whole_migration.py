"""A whole migration of a live table while the site writes: likes, from default to the second alias.

A background thread keeps liking and unliking through the real services
(``apps.interactions.services``) while the migration goes src_only → src_first (backfill,
validate, repair) → dst_first (validate, repair) → dst_only; it ends with the destination holding
exactly the likes the writer made, and a last full validation finding zero mismatches.

With MariaDB the writer and the migration run truly at once. SQLite (the embedded mode) allows
one writer, and its in-memory test database locks whole tables between connections, so there the
two take turns: the writer per service call, the validation and the backfill per batch.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections

from apps.interactions import services
from apps.interactions.models import ArticleLike, ArticleStat
from apps.migrator import backfill, state
from apps.migrator import services as migrator_services
from apps.migrator.models import Mismatch, Validation, ValidationStatus
from apps.migrator.validation import validation_run, validation_start
from tests.articles.factories import published_article
from tests.migrator.conftest import DATABASES, DST, SRC, create, deliver_fixes
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)

OPS_PER_PHASE = 30


class _Turns:
    """A lock on SQLite, nothing on a server database."""

    def __init__(self, serialise: bool) -> None:
        self.lock = threading.Lock() if serialise else None

    def __enter__(self) -> None:
        if self.lock:
            self.lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        if self.lock:
            self.lock.release()

    def between_batches(self, _current: Any = None) -> None:
        if self.lock:  # let the writer in between two batches
            self.lock.release()
            self.lock.acquire()


class Writer(threading.Thread):
    def __init__(
        self, readers: list[Any], article_ids: list[int], turns: _Turns, *, seed: int = 0
    ) -> None:
        super().__init__(daemon=True)
        self.seed = seed
        self.readers, self.article_ids, self.turns = readers, article_ids, turns
        self.stop = threading.Event()
        self.ops = 0
        self.liked: set[tuple[int, int]] = set()  # what the services answered
        self.errors: list[BaseException] = []

    def run(self) -> None:
        rng = random.Random(12 + self.seed)
        try:
            while not self.stop.is_set():
                reader = rng.choice(self.readers)
                article_id = rng.choice(self.article_ids)
                with self.turns:
                    if rng.random() < 0.6:
                        result = services.article_like(user=reader, article_id=article_id)
                    else:
                        result = services.article_unlike(user=reader, article_id=article_id)
                if result.liked:
                    self.liked.add((reader.pk, article_id))
                else:
                    self.liked.discard((reader.pk, article_id))
                self.ops += 1
        except BaseException as error:
            self.errors.append(error)
        finally:
            for alias in DATABASES:
                connections[alias].close()


class Writers:
    """Several writers driven as one: ops and the liked set summed, errors pooled."""

    def __init__(self, writers: list[Writer]) -> None:
        self.writers = writers
        self.stop = threading.Event()

    def start(self) -> None:
        for writer in self.writers:
            writer.stop = self.stop
            writer.start()

    def join(self) -> None:
        for writer in self.writers:
            writer.join()

    @property
    def ops(self) -> int:
        return sum(writer.ops for writer in self.writers)

    @property
    def errors(self) -> list[BaseException]:
        return [error for writer in self.writers for error in writer.errors]

    @property
    def liked(self) -> set[tuple[int, int]]:
        return set().union(*(writer.liked for writer in self.writers))

    def wait_for(self, ops: int) -> None:
        target = self.ops + ops
        deadline = time.monotonic() + 120  # a guard against a hang, not a timed assertion
        while self.ops < target and not self.errors:
            assert time.monotonic() < deadline, f"the writers are stuck at {self.ops} ops"
            time.sleep(0.005)
        assert not self.errors, self.errors


def validate(turns: _Turns, migration: Any) -> Validation:
    """A full validation (interleaved with the writer), then the repairs of what it found."""
    with turns:
        run = validation_start(migration=migration, full=True)
        validation_run(run, batch=7, progress=turns.between_batches)
        deliver_fixes()
    assert run.status == ValidationStatus.FINISHED
    return run


def likes(alias: str) -> set[tuple[int, int]]:
    return set(ArticleLike.objects.using(alias).values_list("user_id", "article_id"))


def rows(alias: str) -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row
        for row in ArticleLike.objects.using(alias).values_list(
            "id", "user_id", "article_id", "created_at"
        )
    }


def migrate_while_writing(writer_count: int) -> None:
    turns = _Turns(serialise=connection.vendor == "sqlite")
    readers: list[Any] = [UserFactory() for _ in range(5)]
    article_ids = [published_article().pk for _ in range(4)]
    for reader in readers[:3]:  # likes from before the migration: the backfill's to copy
        services.article_like(user=reader, article_id=article_ids[0])
    migration = create("interactions.ArticleLike")
    # Each writer has readers of its own, so what the services answered adds up across them.
    writers = [
        Writer(readers[i::writer_count], article_ids, turns, seed=i) for i in range(writer_count)
    ]
    for i, reader in enumerate(readers[:3]):  # the owner of each reader knows its like
        writers[i % writer_count].liked.add((reader.pk, article_ids[0]))
    writer = Writers(writers)
    writer.start()
    try:
        # src_only: the source only; the destination is empty.
        writer.wait_for(OPS_PER_PHASE)
        with turns:
            assert likes(DST) == set()

        # src_first: every write goes to both; the backfill copies the rest.
        with turns:
            migrator_services.mode_set(name="m", mode="src_first")
        writer.wait_for(OPS_PER_PHASE)
        with turns:
            backfill.backfill_run(migration, batch=5)
        writer.wait_for(OPS_PER_PHASE)
        validate(turns, migration)

        # dst_first: the destination is authoritative, the source still follows.
        with turns:
            migrator_services.mode_set(name="m", mode="dst_first")
        with turns:
            active = state.active_for(ArticleLike)
            assert active is not None
            assert active.authoritative == DST
        writer.wait_for(OPS_PER_PHASE)
        validate(turns, migration)

        # dst_only: the source is left behind.
        with turns:
            migrator_services.mode_set(name="m", mode="dst_only")
        writer.wait_for(OPS_PER_PHASE)
    finally:
        writer.stop.set()
        writer.join()
    assert not writer.errors, writer.errors

    # The destination holds exactly what the services answered, and the counts agree with it.
    assert likes(DST) == writer.liked
    per_article = Counter(article_id for _user, article_id in writer.liked)
    for article_id in article_ids:
        assert ArticleStat.objects.get(pk=article_id).like_count == per_article[article_id]

    # The source is repaired from the destination (kept as the way back), then a last pass.
    validate(turns, migration)
    last = validate(turns, migration)
    assert last.mismatches == 0
    assert last.rows_checked == len(writer.liked)
    assert rows(SRC) == rows(DST)
    assert not Mismatch.objects.filter(repaired_at__isnull=True).exists()


def test_a_live_table_moves_to_the_second_alias_through_all_four_modes():
    migrate_while_writing(1)


@pytest.mark.real_db
def test_the_migration_holds_with_three_writers_at_once():
    migrate_while_writing(3)
