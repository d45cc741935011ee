from django.apps import AppConfig


class MigratorConfig(AppConfig):
    name = "apps.migrator"
    label = "migrator"
    verbose_name = "Migrator"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.migrator import mirror
        from apps.migrator.models import Migration

        # The double-write layer: queryset writes of migrated models are captured by pk.
        mirror.install()
        # A migration changed in this process (admin, command) is obeyed here at once; the
        # other processes follow within MIGRATOR_MODE_TTL.
        post_save.connect(_changed, sender=Migration, dispatch_uid="migrator-changed")
        post_delete.connect(_changed, sender=Migration, dispatch_uid="migrator-deleted")


def _changed(**_kwargs: object) -> None:
    from django.db import transaction

    from apps.migrator import state

    transaction.on_commit(state.invalidate)
