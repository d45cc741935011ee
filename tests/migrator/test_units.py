"""The migrator's parts: routing by mode, the mode switch's pickup, double writes, repairs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, router
from django.db.models import F
from django.utils import timezone

from apps.interactions import comment_counts
from apps.interactions.models import ArticleStat
from apps.migrator import mirror, services, state
from apps.migrator.consumers import on_fix
from apps.migrator.models import Migration, Mismatch, MismatchKind, Mode
from apps.migrator.router import MigratorRouter
from apps.users.models import User
from tests.migrator.conftest import DATABASES, DST, SRC, create, deliver_fixes, fix_events

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)

STAT = "interactions.ArticleStat"


def both(pk: int) -> tuple[Any, Any]:
    def row(alias: str) -> dict | None:
        obj = ArticleStat.objects.using(alias).filter(pk=pk).first()
        return mirror.row_values(obj) if obj else None

    return row(SRC), row(DST)


@pytest.mark.parametrize(
    ("mode", "alias"),
    [("src_only", SRC), ("src_first", SRC), ("dst_first", DST), ("dst_only", DST)],
)
def test_the_router_sends_a_migrated_model_to_the_authoritative_alias(mode, alias):
    create(STAT, mode=mode)

    assert router.db_for_read(ArticleStat) == alias
    assert router.db_for_write(ArticleStat) == alias
    assert MigratorRouter().db_for_read(User) is None  # not migrated: the default applies
    assert MigratorRouter().db_for_read(Migration) is None  # its own tables never move


def test_a_mode_switched_elsewhere_is_picked_up_after_the_ttl(monkeypatch, settings):
    settings.MIGRATOR_MODE_TTL = 2.0
    create(STAT, mode="src_first")
    now = [1000.0]
    monkeypatch.setattr(state, "clock", lambda: now[0])
    state.invalidate()
    assert router.db_for_read(ArticleStat) == SRC

    # Another process switches: this one has no signal of it, only the table.
    Migration.objects.filter(name="m").update(mode=Mode.DST_FIRST)
    now[0] += 1.0
    assert router.db_for_read(ArticleStat) == SRC  # the snapshot is still fresh
    now[0] += 1.5
    assert router.db_for_read(ArticleStat) == DST  # read again after the TTL


def test_the_command_switches_the_mode_at_once_in_its_process(capsys):
    create(STAT)

    call_command("migrator", "mode", "m", "dst_first")

    assert Migration.objects.get(name="m").mode == "dst_first"
    assert router.db_for_write(ArticleStat) == DST


def test_double_writes_capture_saves_f_updates_queryset_updates_bulk_writes_and_deletes():
    create(STAT, mode="src_first")

    ArticleStat.objects.create(article_id=1, like_count=1)
    ArticleStat.objects.bulk_create([ArticleStat(article_id=2), ArticleStat(article_id=3)])
    ArticleStat.objects.filter(pk=1).update(like_count=F("like_count") + 5)
    comment_counts.article_comment_count_add(article_id=2, delta=3)  # Greatest(F() + n, 0)
    stat = ArticleStat.objects.get(pk=3)
    stat.read_count = 7
    ArticleStat.objects.bulk_update([stat], ["read_count"])
    ArticleStat.objects.filter(pk__in=[1, 2], like_count__gte=0).update(collect_count=2)
    ArticleStat.objects.filter(pk=3).delete()

    for pk in (1, 2):
        source, destination = both(pk)
        assert source is not None
        assert source == destination
    assert both(1)[1]["like_count"] == 6
    assert both(2)[1]["comment_count"] == 3
    assert both(3) == (None, None)


def test_dst_first_writes_the_destination_and_copies_to_the_source():
    create(STAT, mode="dst_first")

    ArticleStat.objects.create(article_id=9, like_count=4)
    ArticleStat.objects.filter(pk=9).update(like_count=F("like_count") - 1)

    assert ArticleStat.objects.using(DST).get(pk=9).like_count == 3
    source, destination = both(9)
    assert source == destination


def test_a_failure_on_the_other_side_never_fails_the_write_and_is_recorded_and_repaired(
    monkeypatch,
):
    create(STAT, mode="src_first")
    real_upsert = mirror.upsert

    def broken(obj, *, target):
        if target == DST:
            raise RuntimeError("destination down")
        return real_upsert(obj, target=target)

    monkeypatch.setattr(mirror, "upsert", broken)
    ArticleStat.objects.create(article_id=5, like_count=2)  # does not raise

    assert ArticleStat.objects.using(SRC).get(pk=5).like_count == 2
    assert not ArticleStat.objects.using(DST).filter(pk=5).exists()
    mismatch = Mismatch.objects.get()
    assert (mismatch.kind, mismatch.row_pk) == (MismatchKind.WRITE_FAILED, 5)
    assert "destination down" in mismatch.error
    assert Migration.objects.get(name="m").double_write_failures == 1

    monkeypatch.setattr(mirror, "upsert", real_upsert)  # the destination is back
    deliver_fixes()

    source, destination = both(5)
    assert source is not None
    assert source == destination
    mismatch.refresh_from_db()
    assert mismatch.repaired_at is not None
    assert mismatch.repair == "upsert"


def test_the_fix_consumer_repairs_to_the_state_at_repair_time_and_is_idempotent():
    migration = create(STAT, mode="src_first")
    with mirror.suppressed():  # rows the double writes did not see
        ArticleStat.objects.create(article_id=7, like_count=1)
        ArticleStat.objects.using(DST).create(article_id=8, like_count=1)
    services.mismatch_record(
        migration=migration, row_pk=7, kind=MismatchKind.MISSING_ON_DESTINATION
    )
    services.mismatch_record(migration=migration, row_pk=8, kind=MismatchKind.MISSING_ON_SOURCE)
    events = fix_events()
    # The row changes again while its fix is in flight (the change's own copy is lost).
    with mirror.suppressed():
        ArticleStat.objects.filter(pk=7).update(like_count=10, updated_at=timezone.now())

    for _ in range(2):  # a redelivery repairs again, to the same state
        for event in events:
            on_fix(event)
        assert both(7)[0] == both(7)[1]
        assert both(7)[1]["like_count"] == 10
        assert both(8) == (None, None)  # the authoritative side has no row 8: deleted

    # After the mode switch the destination is authoritative: a fix copies the other way.
    services.mode_set(name="m", mode="dst_first")
    with mirror.suppressed():
        ArticleStat.objects.using(DST).filter(pk=7).update(like_count=11)
    on_fix(events[0])
    assert both(7)[0]["like_count"] == 11


def test_backfill_copies_in_batches_and_resumes():
    migration = create(STAT, mode="src_first")
    with mirror.suppressed():
        ArticleStat.objects.bulk_create([ArticleStat(article_id=i) for i in range(1, 26)])
    from apps.migrator.backfill import backfill_run

    assert backfill_run(migration, batch=10, max_batches=1) == 10
    migration.refresh_from_db()
    assert (migration.backfill_position, migration.backfill_copied) == (10, 10)
    assert migration.backfill_finished_at is None

    call_command("migrator", "backfill", "m", "--batch", "10")

    migration.refresh_from_db()
    assert migration.backfill_copied == 25
    assert migration.backfill_finished_at is not None
    assert ArticleStat.objects.using(DST).count() == 25
    assert all(both(pk)[0] == both(pk)[1] for pk in range(1, 26))


def test_a_migration_between_one_alias_and_itself_or_an_unknown_alias_is_refused():
    with pytest.raises(services.MigratorError):
        services.migration_create(name="x", model_label=STAT, destination=SRC)
    with pytest.raises(services.MigratorError):
        services.migration_create(name="x", model_label=STAT, destination="nowhere")


def test_the_incremental_since_is_resumable_keyed_by_since():
    migration = create(STAT, mode="src_first")
    from apps.migrator.validation import validation_start

    since = timezone.now() - timedelta(minutes=5)
    first = validation_start(migration=migration, full=False, since=since)
    again = validation_start(migration=migration, full=False, since=since)
    assert again.pk == first.pk


def test_a_failed_refresh_keeps_the_last_snapshot(monkeypatch):
    create(STAT, mode="dst_first")
    assert router.db_for_read(ArticleStat) == DST

    def away(*args, **kwargs):
        raise DatabaseError("the database is away")

    monkeypatch.setattr(Migration.objects, "using", away)
    state.invalidate()

    assert router.db_for_read(ArticleStat) == DST  # routing is never what fails a request


def test_the_command_creates_a_migration_and_reports_its_state(capsys):
    call_command("migrator", "create", "stats", STAT)
    call_command("migrator", "status")

    out = capsys.readouterr().out
    assert "stats interactions.ArticleStat default→migrator mode=src_only" in out
    assert "open_mismatches=0 validation=-" in out
