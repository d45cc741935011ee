"""Reports, the moderators' queue, suspensions, trust levels and the audit log.

A report is one reader's flag on one target (an article, a comment or a user). Its target's
``ReportedTarget`` row is the queue entry: one row per target with its open reports counted, so
the moderators' queue is one indexed list of rows instead of a GROUP BY over every report. A
report is *open* until a moderator handles its target; ``open`` is True or NULL, so the unique
``(reporter, target_type, target_id, open)`` allows one open report per reporter and target on
every database (MySQL has no partial unique indexes; NULLs differ).

``AuditEntry`` is append-only: ``save`` refuses to update a row and ``delete`` refuses always.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class TargetType(models.TextChoices):
    ARTICLE = "article"
    COMMENT = "comment"
    USER = "user"


class ReportReason(models.TextChoices):
    SPAM = "spam"
    HARASSMENT = "harassment"
    PLAGIARISM = "plagiarism"
    MISINFORMATION = "misinformation"
    INAPPROPRIATE = "inappropriate"
    OTHER = "other"


class ReportStatus(models.TextChoices):
    OPEN = "open"
    DISMISSED = "dismissed"
    UPHELD = "upheld"


class TargetState(models.TextChoices):
    OPEN = "open"  # has open reports
    HANDLED = "handled"  # every report handled


class ReportedTarget(models.Model):
    """A queue entry: one target that was reported, its open reports counted."""

    target_type = models.CharField(max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    # Whose content it is (the user for a user target): the one suspended or notified.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=TargetState.choices, default=TargetState.OPEN)
    open_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    first_reported_at = models.DateTimeField()
    last_reported_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)
    # What the last moderator did: "dismiss", "take_down", "restore", "suspend", "ban".
    last_action = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"], name="moderation_target_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["state", "-open_count", "-last_reported_at"], name="moderation_queue"
            )
        ]
        permissions = [("moderate", "Can handle reports, take content down and suspend users")]

    def __str__(self) -> str:
        return f"{self.target_type} {self.target_id}"


class Report(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The queue entry of the target (target_type and target_id repeated for the unique key).
    entry = models.ForeignKey(ReportedTarget, on_delete=models.CASCADE, related_name="reports")
    target_type = models.CharField(max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    reason = models.CharField(max_length=32, choices=ReportReason.choices)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    open = models.BooleanField(null=True, default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id", "open"],
                name="moderation_one_open_report",
            )
        ]
        indexes = [models.Index(fields=["entry", "open"], name="moderation_report_entry")]

    def __str__(self) -> str:
        return f"report {self.pk}: {self.reason} on {self.target_type} {self.target_id}"


class Suspension(models.Model):
    """A suspension (``ends_at`` set) or a ban (``ends_at`` NULL) of an account.

    ``was_active``: the account was open when it was suspended, so the end reopens it (an
    account its owner had closed stays closed).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    was_active = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["lifted_at", "ends_at"], name="moderation_suspension_due"),
            models.Index(fields=["user", "lifted_at"], name="moderation_suspension_user"),
        ]

    def __str__(self) -> str:
        until = self.ends_at.isoformat() if self.ends_at else "ban"
        return f"user {self.user_id} suspended ({until})"


class TrustLevel(models.Model):
    """A user's trust level and the activity it was computed from (by the periodic job)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(default=0)
    account_age_days = models.PositiveIntegerField(default=0)
    articles_read = models.PositiveIntegerField(default=0)
    likes_received = models.PositiveIntegerField(default=0)
    flags_upheld = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"user {self.user_id}: trust level {self.level}"


class AuditRefused(Exception):
    """An audit entry may be written once and never changed or deleted."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    # Bulk paths skip save() and delete(): they refuse as well.
    def update(self, **kwargs: Any) -> int:
        raise AuditRefused("audit entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditRefused("audit entries are never deleted")


class AuditEntry(models.Model):
    """Who did what to which target, why, and the target's state before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "-id"], name="moderation_audit_target"
            ),
            models.Index(fields=["actor", "-id"], name="moderation_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditRefused("audit entries are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditRefused("audit entries are never deleted")
