"""Seed django-celery-beat's schedule tables with the defaults of ``CELERY_BEAT_SCHEDULE``.

Create-only and idempotent (``scholarnet.jobs.schedules.schedules_seed``); later defaults are
seeded by ``post_migrate``. Reversing leaves the rows: they may have been edited since.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from scholarnet.jobs.schedules import default_schedules, schedules_seed

    schedules_seed(apps=apps, defaults=default_schedules(), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
