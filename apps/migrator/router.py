"""The database router: a migrated model's reads and writes go to its authoritative alias.

``src_only`` and ``src_first`` read and write the source, ``dst_first`` and ``dst_only`` the
destination; in the two middle modes ``apps.migrator.mirror`` copies every captured write to
the other alias after it commits. Models without a migration are not this router's business
(``None``: Django's default, the ``default`` alias). Migrations (the schema) run on every alias:
the two databases have the same schema, which is what lets a row move between them.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.migrator import state

OWN_APP = "migrator"


class MigratorRouter:
    def _alias(self, model: type[models.Model]) -> str | None:
        if model._meta.app_label == OWN_APP:
            return None
        active = state.active_for(model)
        return active.authoritative if active is not None else None

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        return self._alias(model)

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        return self._alias(model)

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        # A migrated row keeps its foreign keys to rows that stay on the source (a like's user):
        # the two databases share ids, not constraints.
        if state.active_for(type(obj1)) or state.active_for(type(obj2)):
            return True
        return None
