from django.apps import AppConfig


class MigratorConfig(AppConfig):
    name = "apps.migrator"
    label = "migrator"
    verbose_name = "Migrator"

    def ready(self) -> None:
        from apps.migrator import mirror

        # The double-write layer: queryset writes of migrated models are captured by pk.
        mirror.install()
