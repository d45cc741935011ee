"""The migrator in the admin: switch a mode, run and stop validations, watch progress, backfill."""

from __future__ import annotations

import pytest
from django.db import router

from apps.interactions.models import ArticleStat
from apps.migrator import mirror
from apps.migrator.models import Migration, Mismatch, Validation, ValidationStatus
from tests.articles.conftest import moderator_client  # noqa: F401 - fixture
from tests.migrator.conftest import DATABASES, DST, create

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)

MIGRATIONS = "/admin/migrator/migration/"


def act(client, action: str, migration: Migration):
    return client.post(
        MIGRATIONS, {"action": action, "_selected_action": [migration.pk]}, follow=True
    )


def test_a_staff_user_runs_a_migration_from_the_admin(moderator_client):  # noqa: F811
    migration = create("interactions.ArticleStat")
    with mirror.suppressed():
        ArticleStat.objects.bulk_create([ArticleStat(article_id=i) for i in range(1, 13)])

    act(moderator_client, "mode_src_first", migration)
    assert router.db_for_write(ArticleStat) == "default"
    migration.refresh_from_db()
    assert migration.mode == "src_first"

    backfilled = act(moderator_client, "backfill_start", migration)  # eager Celery in tests
    assert backfilled.status_code == 200
    assert ArticleStat.objects.using(DST).count() == 12

    with mirror.suppressed():
        ArticleStat.objects.using(DST).filter(pk=3).update(like_count=5)
    validated = act(moderator_client, "validate_full", migration)
    run = Validation.objects.get()
    assert "validation #" in validated.content.decode()
    assert run.status == ValidationStatus.FINISHED
    assert run.mismatches == 1
    assert Mismatch.objects.get().repaired_at is not None

    act(moderator_client, "mode_dst_first", migration)
    assert router.db_for_write(ArticleStat) == DST

    listing = moderator_client.get(MIGRATIONS).content.decode()
    assert "<progress" in listing
    assert "12 rows, done" in listing
    assert moderator_client.get(f"{MIGRATIONS}{migration.pk}/change/").status_code == 200
    assert moderator_client.get("/admin/migrator/mismatch/").status_code == 200
    assert moderator_client.get("/admin/migrator/validation/").status_code == 200


def test_stop_asks_the_running_validation_to_stop_between_batches(moderator_client):  # noqa: F811
    migration = create("interactions.ArticleStat", mode="src_first")
    run = Validation.objects.create(migration=migration, kind="full")

    act(moderator_client, "validate_stop", migration)

    run.refresh_from_db()
    assert run.stop_requested is True
