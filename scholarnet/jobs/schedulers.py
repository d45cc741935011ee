"""Beat's scheduler: django-celery-beat's database scheduler, the database as the only source.

The stock ``DatabaseScheduler`` writes ``CELERY_BEAT_SCHEDULE`` over the table each time beat
starts (``update_or_create`` per entry), which would undo an operator's edit at the next
deploy. Here ``CELERY_BEAT_SCHEDULE`` only holds the defaults that ``scholarnet.jobs.schedules``
seeds once; beat reads the rows as they are (and re-reads them when the admin changes one).
"""

from __future__ import annotations

from django_celery_beat.schedulers import DatabaseScheduler


class SeededDatabaseScheduler(DatabaseScheduler):
    def setup_schedule(self) -> None:
        # Celery's own entries (backend_cleanup) only; the defaults are seeded by migrate.
        self.install_default_entries(self.schedule)
