"""``manage.py migrator``: create, switch, validate and backfill migrations.

manage.py migrator create NAME app_label.Model [--source default] [--destination migrator]
manage.py migrator mode NAME src_only|src_first|dst_first|dst_only
manage.py migrator validate NAME [--full | --since 2026-01-01T00:00:00+00:00] [--restart]
manage.py migrator backfill NAME [--restart]
manage.py migrator status [NAME]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.migrator import backfill, services, validation
from apps.migrator.models import Migration, Mode


class Command(BaseCommand):
    help = "Move a model's table between two database aliases with no downtime."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("name")
        create.add_argument("model", help="app_label.ModelName")
        create.add_argument("--source", default="default")
        create.add_argument("--destination", default="migrator")
        mode = sub.add_parser("mode")
        mode.add_argument("name")
        mode.add_argument("mode", choices=Mode.values)
        validate = sub.add_parser("validate")
        validate.add_argument("name")
        group = validate.add_mutually_exclusive_group()
        group.add_argument("--full", action="store_true")
        group.add_argument("--since", type=datetime.fromisoformat)
        validate.add_argument("--restart", action="store_true", help="do not resume")
        validate.add_argument("--batch", type=int)
        fill = sub.add_parser("backfill")
        fill.add_argument("name")
        fill.add_argument("--restart", action="store_true")
        fill.add_argument("--batch", type=int)
        status = sub.add_parser("status")
        status.add_argument("name", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except services.MigratorError as error:
            raise CommandError(str(error.detail if hasattr(error, "detail") else error)) from error

    def _create(self, options: dict[str, Any]) -> None:
        migration = services.migration_create(
            name=options["name"],
            model_label=options["model"],
            source=options["source"],
            destination=options["destination"],
        )
        self.stdout.write(f"created {migration}")

    def _mode(self, options: dict[str, Any]) -> None:
        migration = services.mode_set(name=options["name"], mode=options["mode"])
        self.stdout.write(f"{migration.name}: {migration.mode}")

    def _validate(self, options: dict[str, Any]) -> None:
        migration = services.migration_get(options["name"])
        full = options["full"] or (
            options["since"] is None
            and (
                migration.validated_until is None
                or not validation.has_updated_at(services.model_of(migration))
            )
        )
        run = validation.validation_start(
            migration=migration,
            full=full,
            since=options["since"],
            resume=not options["restart"],
        )
        bar = tqdm(
            total=run.rows_total or None,
            initial=run.rows_checked,
            unit="rows",
            desc=f"{run.kind} #{run.pk}",
            file=self.stderr,
            disable=None,
        )
        seen = [run.rows_checked]

        def progress(current: Any) -> None:
            bar.update(current.rows_checked - seen[0])
            seen[0] = current.rows_checked
            bar.set_postfix(mismatches=current.mismatches)

        try:
            run = validation.validation_run(run, batch=options["batch"], progress=progress)
        finally:
            bar.close()
        self.stdout.write(
            f"validation #{run.pk} {run.status}: {run.rows_checked} rows checked, "
            f"{run.mismatches} mismatches"
        )

    def _backfill(self, options: dict[str, Any]) -> None:
        migration = services.migration_get(options["name"])
        model = services.model_of(migration)
        total = model._base_manager.using(migration.source_alias).count()
        bar = tqdm(
            total=total,
            initial=0 if options["restart"] else migration.backfill_copied,
            unit="rows",
            file=self.stderr,
            disable=None,
        )
        try:
            copied = backfill.backfill_run(
                migration, batch=options["batch"], restart=options["restart"], progress=bar.update
            )
        finally:
            bar.close()
        self.stdout.write(f"{migration.name}: {copied} rows copied")

    def _status(self, options: dict[str, Any]) -> None:
        rows = Migration.objects.order_by("name")
        if options["name"]:
            rows = rows.filter(name=options["name"])
        for migration in rows:
            latest = migration.validations.order_by("-id").first()
            open_mismatches = migration.mismatches.filter(repaired_at__isnull=True).count()
            self.stdout.write(
                f"{migration.name} {migration.model_label} {migration.source_alias}→"
                f"{migration.destination_alias} mode={migration.mode} "
                f"backfilled={migration.backfill_copied} open_mismatches={open_mismatches} "
                f"validation={latest.status + ' ' + str(latest.percent) + '%' if latest else '-'}"
            )
