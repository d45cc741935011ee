"""Validation: keyset batches over both sides, every difference found, stop and resume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.interactions.models import ArticleStat
from apps.migrator import mirror
from apps.migrator.models import Mismatch, MismatchKind, Validation, ValidationStatus
from apps.migrator.validation import validation_run, validation_start, validation_stop
from tests.migrator.conftest import DATABASES, DST, SRC, create, deliver_fixes

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)

STAT = "interactions.ArticleStat"


def seed() -> None:
    """30 rows on both sides, then: 3 missing on the destination, 2 extra there, 2 differing."""
    with mirror.suppressed():
        ArticleStat.objects.bulk_create(
            [ArticleStat(article_id=i, like_count=i) for i in range(1, 31)]
        )
        mirror.copy_rows(ArticleStat, range(1, 31), source=SRC, target=DST)
        ArticleStat.objects.using(DST).filter(pk__in=[4, 15, 30]).delete()
        ArticleStat.objects.using(DST).bulk_create(
            [ArticleStat(article_id=40), ArticleStat(article_id=41)]
        )
        ArticleStat.objects.using(DST).filter(pk__in=[11, 12]).update(like_count=0)


def found(validation: Validation) -> dict[int, str]:
    return dict(
        Mismatch.objects.filter(validation=validation).values_list("row_pk", "kind").order_by()
    )


def test_a_full_pass_finds_missing_extra_and_differing_rows_in_keyset_batches():
    migration = create(STAT, mode="src_first")
    seed()

    run = validation_start(migration=migration, full=True)
    validation_run(run, batch=7)

    run.refresh_from_db()
    assert run.status == ValidationStatus.FINISHED
    assert found(run) == {
        4: MismatchKind.MISSING_ON_DESTINATION,
        15: MismatchKind.MISSING_ON_DESTINATION,
        30: MismatchKind.MISSING_ON_DESTINATION,
        40: MismatchKind.MISSING_ON_SOURCE,
        41: MismatchKind.MISSING_ON_SOURCE,
        11: MismatchKind.DIFFERS,
        12: MismatchKind.DIFFERS,
    }
    assert run.mismatches == 7
    assert run.position == {"pk": 41}

    deliver_fixes()
    again = validation_start(migration=migration, full=True)
    assert again.pk != run.pk  # the finished one is not resumed
    validation_run(again, batch=7)
    assert (again.mismatches, again.rows_checked) == (0, 30)


def test_a_stopped_validation_resumes_from_its_position():
    migration = create(STAT, mode="src_first")
    seed()
    run = validation_start(migration=migration, full=True)

    def stop_after_first_batch(current: Validation) -> None:
        validation_stop(validation_id=current.pk)

    validation_run(run, batch=10, progress=stop_after_first_batch)
    run.refresh_from_db()
    assert run.status == ValidationStatus.STOPPED
    assert run.position == {"pk": 10}
    assert (run.rows_checked, run.mismatches) == (10, 1)  # row 4

    resumed = validation_start(migration=migration, full=True)
    assert resumed.pk == run.pk
    assert resumed.status == ValidationStatus.RUNNING
    validation_run(resumed, batch=10)

    resumed.refresh_from_db()
    assert resumed.status == ValidationStatus.FINISHED
    assert resumed.mismatches == 7  # each found once: the resume did not start over
    assert Mismatch.objects.filter(row_pk=4).count() == 1


def test_an_incremental_pass_checks_only_rows_changed_since(settings):
    migration = create(STAT, mode="src_first")
    seed()
    since = timezone.now() + timedelta(seconds=1)
    later = since + timedelta(seconds=1)
    with mirror.suppressed():
        # Changed after `since` on one side only: 20 differs, 21 is gone from the destination,
        # 42 exists only on the destination.
        ArticleStat.objects.using(SRC).filter(pk=20).update(like_count=99, updated_at=later)
        ArticleStat.objects.using(SRC).filter(pk=21).update(updated_at=later)
        ArticleStat.objects.using(DST).filter(pk=21).delete()
        ArticleStat.objects.using(DST).create(article_id=42)
        ArticleStat.objects.using(DST).filter(pk=42).update(updated_at=later)

    run = validation_start(migration=migration, full=False, since=since)
    validation_run(run, batch=2)

    assert run.status == ValidationStatus.FINISHED
    assert found(run) == {
        20: MismatchKind.DIFFERS,
        21: MismatchKind.MISSING_ON_DESTINATION,
        42: MismatchKind.MISSING_ON_SOURCE,
    }  # the seeded differences are older than `since`: the full pass's to find
    migration.refresh_from_db()
    assert migration.validated_until is not None


def test_the_command_validates_with_a_progress_bar_and_reports(capsys):
    create(STAT, mode="src_first")
    seed()

    call_command("migrator", "validate", "m", "--full", "--batch", "5")

    out = capsys.readouterr()
    assert "32 rows checked, 7 mismatches" in out.out  # 30 keys and the destination's 2 extra
    assert ArticleStat.objects.using(DST).filter(pk=4).exists()  # fixed by the consumer


def test_the_beat_job_validates_every_double_write_incrementally():
    create(STAT, mode="src_first")
    create("interactions.ArticleLike", mode="src_first", name="likes")  # no updated_at: skipped
    seed()
    from apps.migrator import tasks

    tasks.migrator_validate_incremental()

    run = Validation.objects.get()
    assert (run.kind, run.status, run.migration.name) == ("incremental", "finished", "m")
    assert run.mismatches == 7  # every seeded row changed within the last hour
    assert run.migration.validated_until is not None
