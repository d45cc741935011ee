"""Services mode: the rewards group reads payment.changed from Kafka (``consume rewards``)."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command

from apps.ledger.models import LedgerTransaction
from apps.payments.events import PaymentChanged
from apps.rewards import services
from apps.rewards.models import Reward, RewardStatus
from scholarnet.events.envelope import Event
from scholarnet.events.models import OutboxEvent, ProcessedEvent
from scholarnet.events.payloads import publish_event
from scholarnet.events.relay import relay_once
from scholarnet.events.runner import ConsumerRunner
from tests.platform.events.kafka_support import run_until
from tests.rewards.conftest import balances, callback

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _kafka_transport(settings):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:12]}."
    settings.EVENTS_RELAY_NUDGE = False  # the test relays itself


def test_a_paid_reward_is_credited_once_through_kafka(wechat, reader, author, article):
    reward = services.reward_create(payer_id=reader.pk, article_id=article.pk, amount=1000)
    callback(reward)
    assert relay_once() >= 1

    run_until(
        ConsumerRunner("rewards", batch_timeout_ms=200),
        lambda: Reward.objects.get(pk=reward.pk).status == RewardStatus.PAID,
    )
    # The same change under another event id (a producer's retry): handled, credits nothing.
    row = OutboxEvent.objects.get(type="payment.changed")
    publish_event(PaymentChanged.from_event(Event.from_outbox(row)))
    assert relay_once() >= 1  # with the reward.changed the consumer published
    run_until(
        ConsumerRunner("rewards", batch_timeout_ms=200),
        lambda: ProcessedEvent.objects.filter(group="rewards").count() == 2,
    )

    assert LedgerTransaction.objects.count() == 1
    assert balances() == {
        f"user:{author.pk}": 900,
        "wechat_clearing": -1000,
        "platform_revenue": 100,
    }
    call_command("ledger_verify", "--no-progress")
