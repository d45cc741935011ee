from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from apps.sms import tasks
from apps.sms.models import SmsMessage
from tests.sms.factories import SmsMessageFactory

pytestmark = pytest.mark.django_db


def test_deliver_task_sends_through_the_delivery_chain(caplog):
    message = SmsMessageFactory(params={"code": "161803"})

    tasks.sms_deliver.delay(message.pk)

    message.refresh_from_db()
    assert (message.status, message.provider) == (SmsMessage.Status.SENT, "console")
    assert "Your ScholarNet code is 161803." in caplog.text


def test_requeue_task_calls_the_sweeper():
    with mock.patch("apps.sms.services.sms_due_requeue") as sweep:
        tasks.sms_requeue_due.delay()

    sweep.assert_called_once_with()


def test_prune_task_deletes_old_finished_records():
    SmsMessageFactory(status=SmsMessage.Status.SENT, created_at=timezone.now() - timedelta(days=40))

    tasks.sms_prune.delay()

    assert SmsMessage.objects.count() == 0


def test_beat_runs_the_sweeper_and_the_pruning():
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["sms-requeue-due"]["task"] == "apps.sms.tasks.sms_requeue_due"
    assert schedule["sms-prune"]["task"] == "apps.sms.tasks.sms_prune"
    assert tasks.sms_requeue_due.name == "apps.sms.tasks.sms_requeue_due"
    assert tasks.sms_prune.name == "apps.sms.tasks.sms_prune"


def test_the_sweeper_skips_while_another_process_runs_it():
    from scholarnet.locks import RedisLock

    lock = RedisLock("apps.sms.tasks.sms_requeue_due", ttl_seconds=30, auto_refresh=False)
    assert lock.acquire()
    try:
        with mock.patch("apps.sms.services.sms_due_requeue") as sweep:
            tasks.sms_requeue_due.delay()
    finally:
        lock.release()

    sweep.assert_not_called()
