"""Two workers claiming the same queued rows never send one twice (against a server database)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from apps.sms.models import SmsMessage
from apps.sms.services import sms_due_deliver, sms_message_deliver
from tests.sms.factories import FakeProvider, SmsMessageFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def _in_thread(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


def test_two_workers_draining_one_queue_send_each_message_once():
    messages = SmsMessageFactory.create_batch(60)
    provider = FakeProvider(delay=0.002)
    start = threading.Barrier(2)

    @_in_thread
    def worker(_: int) -> int:
        start.wait()
        sent = 0
        while batch := sms_due_deliver(limit=5, sender=provider):
            sent += batch
        return sent

    with ThreadPoolExecutor(max_workers=2) as pool:
        per_worker = list(pool.map(worker, range(2)))

    assert sum(per_worker) == 60
    assert provider.per_message == {message.pk: 1 for message in messages}
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_workers_racing_for_the_same_message_send_it_once():
    messages = SmsMessageFactory.create_batch(20)
    provider = FakeProvider()
    start = threading.Barrier(8)

    @_in_thread
    def worker(_: int) -> None:
        start.wait()
        for message in messages:
            sms_message_deliver(message_id=message.pk, sender=provider)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, range(8)))

    assert provider.per_message == {message.pk: 1 for message in messages}
    assert SmsMessage.objects.filter(status="sent", attempts=1).count() == 20
