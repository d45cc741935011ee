from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "scholarnet.jobs"
    label = "jobs"
    verbose_name = "Scheduled jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A default added to CELERY_BEAT_SCHEDULE after the seeding migration ran is created on
        # the next `migrate` (create-only: the admin's edits and deletions stay).
        post_migrate.connect(_seed_after_migrate, sender=self, dispatch_uid="jobs-seed-schedules")


def _seed_after_migrate(*, using: str, apps: Any = None, **_kwargs: Any) -> None:
    from django.apps import apps as global_apps

    from scholarnet.jobs.schedules import default_schedules, schedules_seed

    if using != "default":
        return  # schedules live on default; another alias (apps.migrator's) holds none
    # `flush` (the transactional tests) sends the signal without a migration state.
    apps = apps or global_apps

    try:
        apps.get_model("jobs", "SeededSchedule")
        apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # a partial migrate that stopped before these tables exist
        return
    schedules_seed(apps=apps, defaults=default_schedules(), using=using)
