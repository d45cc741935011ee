from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db.models import Q
from django.utils import timezone

from apps.sms import services
from apps.sms.decorators.async_switch import SendHealth
from apps.sms.models import SmsMessage
from apps.sms.services import (
    sms_due_deliver,
    sms_due_requeue,
    sms_message_deliver,
    sms_messages_prune,
    sms_messages_retry,
    sms_send,
)
from apps.sms.templates import template_token
from tests.sms.factories import FakeProvider, SmsMessageFactory

pytestmark = pytest.mark.django_db
Status = SmsMessage.Status
NOW = timezone.now().replace(microsecond=0)


def _degrade() -> None:
    health = SendHealth()
    for _ in range(health.thresholds.slow_consecutive):
        health.record(duration_ms=health.thresholds.slow_ms + 1, failed=False)


def test_deliver_claims_sends_and_marks_sent():
    message = SmsMessageFactory()
    provider = FakeProvider("a")

    assert sms_message_deliver(message_id=message.pk, sender=provider) is True

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.provider == "a"
    assert message.provider_message_id == "a-1"
    assert message.attempts == 1
    assert message.lease_token == ""
    assert message.lease_expires_at is None
    assert message.sent_at is not None
    assert provider.requests[0].template == "login_code"
    assert provider.requests[0].params == {"code": "123456"}
    assert provider.requests[0].message_id == message.pk


def test_a_sent_message_is_never_sent_again():
    message = SmsMessageFactory()
    provider = FakeProvider()
    sms_message_deliver(message_id=message.pk, sender=provider)

    assert sms_message_deliver(message_id=message.pk, sender=provider) is False
    assert len(provider.requests) == 1


def test_failures_back_off_then_mark_the_message_failed(django_capture_on_commit_callbacks):
    message = SmsMessageFactory(next_attempt_at=NOW)
    provider = FakeProvider("a", default="error")
    # One attempt and three retries, backing off 10, 20 and 40 seconds.
    expected = [
        (1, Status.QUEUED, 10),
        (2, Status.QUEUED, 20),
        (3, Status.QUEUED, 40),
        (4, Status.FAILED, None),
    ]

    for attempts, status, delay in expected:
        due = SmsMessage.objects.get(pk=message.pk).next_attempt_at
        with (
            time_machine.travel(due, tick=False),
            django_capture_on_commit_callbacks() as scheduled,
        ):
            assert sms_message_deliver(message_id=message.pk, sender=provider) is False
        message.refresh_from_db()
        assert (message.attempts, message.status) == (attempts, status)
        assert message.last_error == "a: refused"
        if delay is None:
            assert message.next_attempt_at is None
            assert scheduled == []
        else:
            assert message.next_attempt_at == due + timedelta(seconds=delay)
            assert len(scheduled) == 1

    assert len(provider.requests) == 4
    assert sms_message_deliver(message_id=message.pk, sender=provider) is False
    assert len(provider.requests) == 4


def test_a_message_is_not_claimed_before_it_is_due():
    message = SmsMessageFactory(next_attempt_at=timezone.now() + timedelta(seconds=30))
    provider = FakeProvider()

    assert sms_message_deliver(message_id=message.pk, sender=provider) is False
    assert provider.requests == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)


def test_a_held_lease_keeps_other_workers_away_until_it_expires():
    message = SmsMessageFactory(
        status=Status.SENDING,
        attempts=1,
        lease_token="someone-else",
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    provider = FakeProvider()

    assert sms_message_deliver(message_id=message.pk, sender=provider) is False

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert sms_message_deliver(message_id=message.pk, sender=provider) is True
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_a_late_failure_does_not_overwrite_a_newer_claim():
    message = SmsMessageFactory()
    now = timezone.now()
    lease = services._claim(due=services._due(now) & Q(pk=message.pk), limit=1, now=now)
    SmsMessage.objects.filter(pk=message.pk).update(lease_token="newer-claim")

    services._release_failed(lease.rows[0], lease=lease, error=RuntimeError("late"))

    message.refresh_from_db()
    assert (message.status, message.lease_token, message.last_error) == (
        Status.SENDING,
        "newer-claim",
        "",
    )


def test_an_unexpected_error_counts_as_a_failed_attempt():
    class Broken:
        def send(self, request):
            raise RuntimeError("bug")

    message = SmsMessageFactory()

    assert sms_message_deliver(message_id=message.pk, sender=Broken()) is False

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 1)
    assert message.last_error == "RuntimeError: bug"


def test_batch_delivery_sends_every_due_message_once():
    due = SmsMessageFactory.create_batch(3)
    SmsMessageFactory(next_attempt_at=timezone.now() + timedelta(minutes=5))
    SmsMessageFactory(status=Status.SENT)
    provider = FakeProvider()

    assert sms_due_deliver(limit=10, sender=provider) == 3

    assert sorted(provider.per_message) == sorted(m.pk for m in due)
    assert sms_due_deliver(limit=10, sender=provider) == 0


def test_the_sweeper_requeues_due_rows_and_fails_leases_lost_on_the_last_attempt(
    django_capture_on_commit_callbacks,
):
    past = timezone.now() - timedelta(seconds=1)
    due = SmsMessageFactory(next_attempt_at=past)
    abandoned = SmsMessageFactory(status=Status.SENDING, attempts=1, lease_expires_at=past)
    lost = SmsMessageFactory(status=Status.SENDING, attempts=4, lease_expires_at=past)
    SmsMessageFactory(next_attempt_at=timezone.now() + timedelta(minutes=1))
    SmsMessageFactory(status=Status.SENT)

    with (
        mock.patch("apps.sms.tasks.sms_deliver.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sms_due_requeue() == 2

    assert sorted(call.kwargs["args"][0] for call in apply_async.call_args_list) == sorted(
        [due.pk, abandoned.pk]
    )
    lost.refresh_from_db()
    assert lost.status == Status.FAILED
    assert lost.lease_expires_at is None
    assert lost.last_error == "The worker's lease ran out during the last attempt."


def test_retry_gives_failed_messages_fresh_attempts(django_capture_on_commit_callbacks):
    failed = SmsMessageFactory(status=Status.FAILED, attempts=3, last_error="a: refused")
    sent = SmsMessageFactory(status=Status.SENT, attempts=1)

    with (
        mock.patch("apps.sms.tasks.sms_deliver.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sms_messages_retry(message_ids=[failed.pk, sent.pk]) == 1

    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.QUEUED, 0)
    assert (sent.status, sent.attempts) == (Status.SENT, 1)
    apply_async.assert_called_once_with(args=[failed.pk], countdown=0.0)


def test_prune_deletes_only_finished_records_past_retention():
    old = timezone.now() - timedelta(days=31)
    SmsMessageFactory(status=Status.SENT, created_at=old)
    SmsMessageFactory(status=Status.FAILED, created_at=old)
    kept = [
        SmsMessageFactory(status=Status.QUEUED, created_at=old),
        SmsMessageFactory(status=Status.SENT),
    ]

    assert sms_messages_prune(batch_size=1) == 2

    assert sorted(SmsMessage.objects.values_list("id", flat=True)) == sorted(m.pk for m in kept)


def test_a_degraded_chain_queues_and_the_worker_delivers(
    caplog, django_capture_on_commit_callbacks
):
    _degrade()

    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send(
            phone="+8613800138000",
            template_token=template_token("login_code"),
            params={"code": "271828"},
        )

    assert message.status == Status.QUEUED
    message.refresh_from_db()
    assert (message.status, message.provider, message.attempts) == (Status.SENT, "console", 1)
    assert "SMS to +8613800138000 : Your ScholarNet code is 271828." in caplog.text


def test_a_failed_sync_send_is_queued_with_a_retry_scheduled(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_PROVIDERS = ["tests.sms.test_chain.AlwaysTimesOut"]

    with (
        mock.patch("apps.sms.tasks.sms_deliver.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = sms_send(
            phone="+8613800138000",
            template_token=template_token("login_code"),
            params={"code": "1"},
        )

    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider) == (Status.QUEUED, 1, "sluggish")
    assert message.last_error == "sluggish: timed out"
    assert message.next_attempt_at > message.created_at + timedelta(seconds=9)
    assert apply_async.call_args.kwargs["args"] == [message.pk]
    assert 9 < apply_async.call_args.kwargs["countdown"] <= 10
