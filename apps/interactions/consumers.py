"""Event handlers of the interactions app (imported by ``EventsConfig.ready``).

The read counts' batch handler is declared in ``apps.interactions.reads``; importing it here
registers it (and its Celery tasks) wherever the consumers are loaded.
"""

from apps.interactions import reads  # noqa: F401  (registers the article-reads batch group)
