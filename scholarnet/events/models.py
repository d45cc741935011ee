"""The transactional outbox and the consumer-side bookkeeping.

``OutboxEvent`` rows are written in the caller's transaction by ``publish`` and moved to the
transport by the relay. ``ProcessedEvent`` records that a group applied an event, which makes
redelivery harmless. ``DeadLetterEvent`` keeps events a handler of the local transport gave up
on; with Kafka the dead letters go to the group's dead-letter topic instead.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField(default=1)
    # The partition key ("article:42"): events with one key are delivered in publish order.
    key = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A relay owns a row until claimed_until; after that another relay may take it over.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # "Unsent rows, oldest first" is an index range on sent_at IS NULL, already in id
            # order; it also serves the pruning of old sent rows.
            models.Index(fields=["sent_at", "id"], name="events_outbox_unsent_idx"),
            # The relay's per-key ordering check: "is an older row of this key still unsent?"
            models.Index(fields=["key", "sent_at"], name="events_outbox_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ProcessedEvent(models.Model):
    group = models.CharField(max_length=100)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="events_processed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.event_id}"


class DeadLetterEvent(models.Model):
    group = models.CharField(max_length=100)
    handler = models.CharField(max_length=255)
    event_id = models.UUIDField()
    type = models.CharField(max_length=64)
    key = models.CharField(max_length=200, blank=True, default="")
    envelope = models.JSONField()
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="events_dead_letter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.type} {self.event_id}"
