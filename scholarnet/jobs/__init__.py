"""Scheduled jobs: every periodic task runs through ``runs.periodic_job`` (single runner, a
recorded ``JobRun``, metrics), on django-celery-beat's database scheduler, whose rows are
seeded from ``CELERY_BEAT_SCHEDULE`` (see ``scholarnet.jobs.schedules``).
"""
