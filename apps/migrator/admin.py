"""The migrator in the admin: migrations with their mode, validations with progress, mismatches.

Actions on a migration: switch the mode (every process follows within ``MIGRATOR_MODE_TTL``),
start a full or an incremental validation (a Celery task; it resumes a stopped one), stop the
running validation (between two batches), and backfill. Validations and mismatches are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from apps.migrator import services, tasks, validation
from apps.migrator.models import Migration, Mismatch, Mode, Validation, ValidationStatus


def _progress_bar(run: Validation | None) -> str:
    if run is None:
        return "-"
    return format_html(
        '<progress max="100" value="{}"></progress> {}% · {} checked · {} mismatches · {}',
        run.percent,
        run.percent,
        run.rows_checked,
        run.mismatches,
        run.get_status_display(),
    )


def _mode_action(mode: str) -> Any:
    def action(modeladmin: MigrationAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for migration in queryset:
            services.mode_set(name=migration.name, mode=mode)
        modeladmin.message_user(request, f"{queryset.count()} migration(s) now {mode}")

    action.__name__ = f"mode_{mode}"
    return admin.action(description=f"Switch mode to {Mode(mode).label}")(action)


class ValidationInline(admin.TabularInline):
    model = Validation
    extra = 0
    can_delete = False
    fields = ("id", "kind", "status", "progress", "position", "since", "started_at", "finished_at")
    readonly_fields = fields
    ordering = ("-id",)
    max_num = 0

    @admin.display(description="progress")
    def progress(self, obj: Validation) -> str:
        return _progress_bar(obj)


@admin.register(Migration)
class MigrationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "model_label",
        "source_alias",
        "destination_alias",
        "mode",
        "mode_changed_at",
        "backfill",
        "latest_validation",
        "open_mismatches",
        "double_write_failures",
    )
    readonly_fields = (
        "mode_changed_at",
        "backfill_position",
        "backfill_copied",
        "backfill_finished_at",
        "validated_until",
        "double_write_failures",
    )
    inlines = [ValidationInline]
    actions = [
        *(_mode_action(mode) for mode in Mode.values),
        "validate_full",
        "validate_incremental",
        "validate_stop",
        "backfill_start",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The mode changes through the actions (which also refresh the process snapshot).
        if obj is not None:
            return (*self.readonly_fields, "mode", "model_label")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Migration, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from apps.migrator import state

        state.invalidate()

    @admin.display(description="backfill")
    def backfill(self, obj: Migration) -> str:
        done = "done" if obj.backfill_finished_at else "not finished"
        return f"{obj.backfill_copied} rows, {done}"

    @admin.display(description="latest validation")
    def latest_validation(self, obj: Migration) -> str:
        return _progress_bar(obj.validations.order_by("-id").first())

    @admin.display(description="open mismatches")
    def open_mismatches(self, obj: Migration) -> int:
        return obj.mismatches.filter(repaired_at__isnull=True).count()

    def _validate(self, request: HttpRequest, queryset: QuerySet[Any], *, full: bool) -> None:
        for migration in queryset:
            try:
                run = validation.validation_start(migration=migration, full=full)
            except services.MigratorError as error:
                self.message_user(request, f"{migration.name}: {error}", messages.ERROR)
                continue
            tasks.migrator_validate.delay(run.pk)
            self.message_user(request, f"{migration.name}: validation #{run.pk} started")

    @admin.action(description="Start (or resume) a full validation")
    def validate_full(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._validate(request, queryset, full=True)

    @admin.action(description="Start (or resume) an incremental validation (updated_at)")
    def validate_incremental(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._validate(request, queryset, full=False)

    @admin.action(description="Stop the running validation")
    def validate_stop(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        running = Validation.objects.filter(migration__in=queryset, status=ValidationStatus.RUNNING)
        for run in running:
            validation.validation_stop(validation_id=run.pk)
        self.message_user(request, f"{len(running)} validation(s) asked to stop")

    @admin.action(description="Backfill (copy the source's rows, resumable)")
    def backfill_start(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for migration in queryset:
            tasks.migrator_backfill.delay(migration.pk)
        self.message_user(request, f"backfill queued for {queryset.count()} migration(s)")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Validation)
class ValidationAdmin(_ReadOnly):
    list_display = ("id", "migration", "kind", "status", "progress", "started_at", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("migration",)

    @admin.display(description="progress")
    def progress(self, obj: Validation) -> str:
        return _progress_bar(obj)


@admin.register(Mismatch)
class MismatchAdmin(_ReadOnly):
    list_display = ("id", "migration", "row_pk", "kind", "detected_at", "repaired_at", "repair")
    list_filter = ("kind", ("repaired_at", admin.EmptyFieldListFilter))
    list_select_related = ("migration",)
