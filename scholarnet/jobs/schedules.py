"""The default schedules and their seeding into django-celery-beat's tables.

The defaults are the entries of ``CELERY_BEAT_SCHEDULE``, which each app's section of the
settings extends with one entry::

    CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
        "task": "apps.payments.tasks.payments_reconcile",
        "schedule": crontab(minute="*/10"),   # or seconds, or a timedelta
        "options": {"expires": 600},          # optional: expires, queue, priority
    }

Beat reads its schedule from the database (:class:`~scholarnet.jobs.schedulers.
SeededDatabaseScheduler`), where operators edit it in the admin. A default becomes a
``PeriodicTask`` row once: the data migration seeds what exists when it runs, and every later
``migrate`` seeds new entries (``post_migrate``). Seeding is create-only and remembers what it
seeded (``SeededSchedule``), so running it again changes nothing, an interval changed in the
admin stays changed, and a schedule deleted there stays deleted (disable it to pause it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from celery import schedules as celery_schedules
from django.conf import settings
from django.db import transaction


def default_schedules() -> dict[str, dict[str, Any]]:
    return dict(settings.CELERY_BEAT_SCHEDULE)


def schedules_seed(
    *, apps: Any, defaults: Mapping[str, Mapping[str, Any]], using: str = "default"
) -> list[str]:
    """Create the ``PeriodicTask`` of each default not seeded before; the names created.

    ``apps`` is an app registry: the migration's historical one, or ``django.apps.apps``.
    """
    seeded_model = apps.get_model("jobs", "SeededSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    done = set(seeded_model.objects.using(using).values_list("name", flat=True))
    created = []
    for name, entry in sorted(defaults.items()):
        if name in done:
            continue
        with transaction.atomic(using=using):
            if not task_model.objects.using(using).filter(name=name).exists():
                task_model.objects.using(using).create(
                    name=name, **_task_fields(apps, entry, using=using)
                )
                created.append(name)
            seeded_model.objects.using(using).get_or_create(name=name)
    return created


def _task_fields(apps: Any, entry: Mapping[str, Any], *, using: str) -> dict[str, Any]:
    options = entry.get("options") or {}
    expires = options.get("expires")
    fields: dict[str, Any] = {
        "task": entry["task"],
        "args": json.dumps(list(entry.get("args") or [])),
        "kwargs": json.dumps(dict(entry.get("kwargs") or {})),
        "queue": options.get("queue"),
        "priority": options.get("priority"),
        "expire_seconds": None if expires is None else max(1, math.ceil(float(expires))),
        "enabled": True,
        "description": entry.get("description", "Default schedule, seeded from the settings."),
    }
    fields.update(_schedule_fields(apps, entry["schedule"], using=using))
    return fields


def _schedule_fields(apps: Any, schedule: Any, *, using: str) -> dict[str, Any]:
    if isinstance(schedule, celery_schedules.crontab):
        crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
        values = {
            "minute": schedule._orig_minute,
            "hour": schedule._orig_hour,
            "day_of_week": schedule._orig_day_of_week,
            "day_of_month": schedule._orig_day_of_month,
            "month_of_year": schedule._orig_month_of_year,
            "timezone": settings.CELERY_TIMEZONE,
        }
        values = {key: str(value) for key, value in values.items()}
        crontab = crontab_model.objects.using(using).filter(**values).first()
        return {"crontab": crontab or crontab_model.objects.using(using).create(**values)}
    seconds = _interval_seconds(schedule)
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    interval = interval_model.objects.using(using).filter(
        every=seconds, period="seconds"
    ).first() or interval_model.objects.using(using).create(every=seconds, period="seconds")
    return {"interval": interval}


def _interval_seconds(schedule: Any) -> int:
    if isinstance(schedule, celery_schedules.schedule):
        schedule = schedule.run_every
    if isinstance(schedule, timedelta):
        schedule = schedule.total_seconds()
    if not isinstance(schedule, int | float) or schedule <= 0:
        raise ValueError(f"a default schedule is seconds, a timedelta or a crontab: {schedule!r}")
    # The table counts whole seconds; round up so a job never runs more often than asked.
    return max(1, math.ceil(schedule))
