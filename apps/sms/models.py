"""Every text message the platform sends, synchronously or through the queue.

A message sent at once is recorded as ``sent`` or ``failed``. A message handed to the workers is
``queued``; a worker claims it by moving it to ``sending`` with a lease token and an expiry, so
two workers never hold it at once and a dead worker's claim runs out. After
``SMS_ASYNC_MAX_ATTEMPTS`` failed attempts (the first plus ``SMS_ASYNC_MAX_RETRIES`` retries) it
stays ``failed`` for the admin to look at or retry.

``params`` and ``text`` may contain a one-time code. Codes expire after ten minutes, so the rows
give nothing away for longer than that; the admin shows them so a developer on the console
provider can log in by phone.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SmsMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    phone = models.CharField(max_length=20)
    template = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    provider = models.CharField(max_length=32, blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = "SMS message"
        indexes = [
            models.Index(fields=["phone", "-id"], name="sms_phone_idx"),
            # The workers' and the sweeper's scans: due queued rows, expired leases.
            models.Index(fields=["status", "next_attempt_at"], name="sms_status_due_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="sms_status_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"SMS {self.pk} to {self.phone} ({self.status})"
