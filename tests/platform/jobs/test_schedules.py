"""The default schedules in django-celery-beat's tables: seeded once, then the admin's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.apps import apps
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from config.celery import app as celery_app
from scholarnet.jobs.models import SeededSchedule
from scholarnet.jobs.schedulers import SeededDatabaseScheduler
from scholarnet.jobs.schedules import schedules_seed

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "tests-interval": {
        "task": "tests.interval",
        "schedule": 2.5,
        "options": {"expires": 2.5},
    },
    "tests-timedelta": {"task": "tests.timedelta", "schedule": timedelta(hours=6)},
    "tests-cron": {
        "task": "tests.cron",
        "schedule": crontab(minute="*/10", hour="1-5"),
        "kwargs": {"limit": 3},
    },
}


def test_every_default_of_the_settings_is_a_row_after_migrate():
    # The test database was built by `migrate`: the data migration and post_migrate ran.
    rows = {task.name: task for task in PeriodicTask.objects.all()}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert rows[name].task == entry["task"]
        assert rows[name].enabled
    ranking = rows["ranking-compute"]
    assert (ranking.interval.every, ranking.interval.period) == (
        settings.RANKING_CACHE_TTL,
        "seconds",
    )
    assert ranking.expire_seconds == settings.RANKING_CACHE_TTL


def test_seeding_converts_intervals_timedeltas_and_crontabs():
    created = schedules_seed(apps=apps, defaults=DEFAULTS)

    assert created == ["tests-cron", "tests-interval", "tests-timedelta"]
    interval = PeriodicTask.objects.get(name="tests-interval")
    # Whole seconds, rounded up: never more often than asked.
    assert (interval.interval.every, interval.interval.period, interval.expire_seconds) == (
        3,
        IntervalSchedule.SECONDS,
        3,
    )
    assert PeriodicTask.objects.get(name="tests-timedelta").interval.every == 6 * 3600
    cron = PeriodicTask.objects.get(name="tests-cron")
    assert cron.interval is None
    crontab_fields = (cron.crontab.minute, cron.crontab.hour, cron.crontab.day_of_week)
    assert crontab_fields == ("*/10", "1-5", "*")
    assert str(cron.crontab.timezone) == "UTC"
    assert json.loads(cron.kwargs) == {"limit": 3}
    assert json.loads(cron.args) == []


def test_seeding_again_changes_nothing_and_keeps_the_admins_edits():
    schedules_seed(apps=apps, defaults=DEFAULTS)
    edited = PeriodicTask.objects.get(name="tests-interval")
    edited.interval = IntervalSchedule.objects.create(every=600, period=IntervalSchedule.SECONDS)
    edited.enabled = False
    edited.save()
    PeriodicTask.objects.filter(name="tests-cron").delete()
    counts = (PeriodicTask.objects.count(), IntervalSchedule.objects.count(),
              CrontabSchedule.objects.count())  # fmt: skip

    assert schedules_seed(apps=apps, defaults=DEFAULTS) == []

    again = PeriodicTask.objects.get(name="tests-interval")
    assert (again.interval.every, again.enabled) == (600, False)
    assert not PeriodicTask.objects.filter(name="tests-cron").exists()  # deleted stays deleted
    assert counts == (PeriodicTask.objects.count(), IntervalSchedule.objects.count(),
                      CrontabSchedule.objects.count())  # fmt: skip


def test_a_later_default_is_seeded_by_the_next_seed_and_an_existing_row_is_left_alone():
    PeriodicTask.objects.create(
        name="tests-timedelta",
        task="tests.hand_made",
        interval=IntervalSchedule.objects.create(every=42, period=IntervalSchedule.SECONDS),
    )
    schedules_seed(apps=apps, defaults={"tests-timedelta": DEFAULTS["tests-timedelta"]})
    later = dict(DEFAULTS)

    assert schedules_seed(apps=apps, defaults=later) == ["tests-cron", "tests-interval"]
    hand_made = PeriodicTask.objects.get(name="tests-timedelta")
    assert (hand_made.task, hand_made.interval.every) == ("tests.hand_made", 42)
    assert set(SeededSchedule.objects.values_list("name", flat=True)) >= set(DEFAULTS)


def test_a_bad_default_schedule_is_refused():
    with pytest.raises(ValueError, match="seconds, a timedelta or a crontab"):
        schedules_seed(apps=apps, defaults={"bad": {"task": "x", "schedule": "soon"}})
    assert not PeriodicTask.objects.filter(name="bad").exists()


# The scheduler closes stale connections as beat does, which a test's open transaction cannot take.
@pytest.mark.django_db(transaction=True)
def test_beat_runs_the_rows_as_edited_and_does_not_write_the_settings_over_them():
    ranking = PeriodicTask.objects.get(name="ranking-compute")
    ranking.interval = IntervalSchedule.objects.create(every=900, period=IntervalSchedule.SECONDS)
    ranking.save()
    PeriodicTask.objects.filter(name="sms-prune").update(enabled=False)

    scheduler = SeededDatabaseScheduler(app=celery_app, lazy=True)
    scheduler.setup_schedule()
    schedule = scheduler.all_as_schedule()

    assert PeriodicTask.objects.get(name="ranking-compute").interval.every == 900
    assert schedule["ranking-compute"].schedule.run_every == timedelta(seconds=900)
    assert "sms-prune" not in schedule
    assert celery_app.conf.beat_scheduler == settings.CELERY_BEAT_SCHEDULER


def test_the_migrations_historical_models_seed_once():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    historical = (
        MigrationExecutor(connection).loader.project_state(("jobs", "0002_seed_schedules")).apps
    )

    assert schedules_seed(apps=historical, defaults=DEFAULTS) == sorted(DEFAULTS)
    assert schedules_seed(apps=historical, defaults=DEFAULTS) == []
    assert PeriodicTask.objects.filter(name__in=DEFAULTS).count() == len(DEFAULTS)
