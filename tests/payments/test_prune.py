"""Old notification records are pruned by a daily beat job, in batches, keeping the recent ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.payments import tasks
from apps.payments.models import PaymentNotification
from apps.payments.services import payment_notifications_prune

pytestmark = pytest.mark.django_db


def _notification(*, age_days: float, nonce: str) -> PaymentNotification:
    row = PaymentNotification.objects.create(
        headers={}, body="{}", nonce=nonce, outcome="applied", out_trade_no="T1"
    )
    PaymentNotification.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=age_days)
    )
    return row


def test_records_past_the_retention_are_deleted_in_batches(settings, django_assert_num_queries):
    settings.PAYMENTS_NOTIFICATION_RETENTION_DAYS = 30
    old = [_notification(age_days=31 + i, nonce=f"old{i}") for i in range(5)]
    kept = _notification(age_days=29, nonce="recent")

    # Three batches of two, each one select and one delete, then the empty select.
    with django_assert_num_queries(7):
        assert payment_notifications_prune(batch_size=2) == len(old)

    assert list(PaymentNotification.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_beat_task_prunes_with_the_setting(settings):
    settings.PAYMENTS_NOTIFICATION_RETENTION_DAYS = 7
    _notification(age_days=8, nonce="a")
    kept = _notification(age_days=6, nonce="b")

    tasks.payments_notifications_prune.delay()

    assert list(PaymentNotification.objects.values_list("pk", flat=True)) == [kept.pk]


def test_beat_schedules_the_pruning_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["payments-notifications-prune"]

    assert entry["task"] == tasks.payments_notifications_prune.name
    assert entry["task"] == "apps.payments.tasks.payments_notifications_prune"
    assert entry["schedule"] == 24 * 3600.0
