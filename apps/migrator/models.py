"""A migration moves one model's table from a source alias to a destination alias.

The row is the switch every process reads (``apps.migrator.state`` caches it for
``MIGRATOR_MODE_TTL`` seconds); a validation is one resumable comparison pass; a mismatch is one
row found different (or a double write that failed), repaired by the ``migrator.fix`` consumer.
These three tables always live on the ``default`` alias (the router never moves them).
"""

from __future__ import annotations

from django.db import models


class Mode(models.TextChoices):
    SRC_ONLY = "src_only", "source only"
    SRC_FIRST = "src_first", "write both, source authoritative"
    DST_FIRST = "dst_first", "write both, destination authoritative"
    DST_ONLY = "dst_only", "destination only"


DOUBLE_WRITE_MODES = frozenset({Mode.SRC_FIRST, Mode.DST_FIRST})


class Migration(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    model_label = models.CharField(max_length=128, help_text="app_label.ModelName")
    source_alias = models.CharField(max_length=64, default="default")
    destination_alias = models.CharField(max_length=64, default="migrator")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.SRC_ONLY)
    mode_changed_at = models.DateTimeField(null=True, blank=True)
    # Backfill (keyset, resumable): the last primary key copied, the rows copied so far.
    backfill_position = models.JSONField(null=True, blank=True)
    backfill_copied = models.PositiveBigIntegerField(default=0)
    backfill_finished_at = models.DateTimeField(null=True, blank=True)
    # The high-water mark of the last finished incremental validation (``updated_at``).
    validated_until = models.DateTimeField(null=True, blank=True)
    double_write_failures = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_label"], name="migrator_one_migration_per_model")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_label}: {self.source_alias} → {self.destination_alias})"

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model_label)

    @property
    def authoritative_alias(self) -> str:
        return authoritative(self.mode, self.source_alias, self.destination_alias)

    @property
    def other_alias(self) -> str:
        if self.authoritative_alias == self.source_alias:
            return self.destination_alias
        return self.source_alias


def authoritative(mode: str, source: str, destination: str) -> str:
    return source if mode in (Mode.SRC_ONLY, Mode.SRC_FIRST) else destination


class ValidationKind(models.TextChoices):
    FULL = "full", "full (keyset over the primary key)"
    INCREMENTAL = "incremental", "incremental (by updated_at)"


class ValidationStatus(models.TextChoices):
    RUNNING = "running", "running"
    STOPPED = "stopped", "stopped (resumable)"
    FINISHED = "finished", "finished"
    FAILED = "failed", "failed"


class Validation(models.Model):
    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="validations")
    kind = models.CharField(max_length=16, choices=ValidationKind.choices)
    status = models.CharField(
        max_length=16, choices=ValidationStatus.choices, default=ValidationStatus.RUNNING
    )
    stop_requested = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True)  # incremental: from this updated_at
    # Full: {"pk": last pk compared}. Incremental: {"side": 0|1, "at": iso, "pk": last pk}.
    position = models.JSONField(null=True, blank=True)
    rows_total = models.PositiveBigIntegerField(default=0)  # an estimate, for the progress bar
    rows_checked = models.PositiveBigIntegerField(default=0)
    mismatches = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["migration", "-id"], name="migrator_validation_latest")]

    def __str__(self) -> str:
        return f"{self.kind} validation #{self.pk} of {self.migration_id}: {self.status}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == ValidationStatus.FINISHED else 0
        return min(100, int(self.rows_checked * 100 / self.rows_total))


class MismatchKind(models.TextChoices):
    MISSING_ON_SOURCE = "missing_on_source", "missing on the source"
    MISSING_ON_DESTINATION = "missing_on_destination", "missing on the destination"
    DIFFERS = "differs", "rows differ"
    WRITE_FAILED = "write_failed", "double write failed"


class Mismatch(models.Model):
    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="mismatches")
    validation = models.ForeignKey(
        Validation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    row_pk = models.JSONField()
    kind = models.CharField(max_length=32, choices=MismatchKind.choices)
    error = models.TextField(blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    repaired_at = models.DateTimeField(null=True, blank=True)
    repair = models.CharField(max_length=16, blank=True)  # "upsert", "delete" or "equal"

    class Meta:
        indexes = [models.Index(fields=["migration", "repaired_at"], name="migrator_open_mismatch")]

    def __str__(self) -> str:
        return f"{self.kind} pk={self.row_pk} ({self.migration_id})"
