"""Concurrent deliveries against the real database: one credit, whatever arrives at once."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.ledger.models import LedgerTransaction
from apps.payments.events import PaymentChanged
from apps.rewards import services
from apps.rewards.models import Reward, RewardStatus
from scholarnet.events.envelope import Event
from scholarnet.events.models import OutboxEvent
from scholarnet.events.payloads import publish_event
from scholarnet.events.transports import LocalTransport
from tests.rewards.conftest import balances, callback, payment_of
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reward(wechat, reader, article) -> Reward:
    return services.reward_create(payer_id=reader.pk, article_id=article.pk, amount=1000)


def paid_events(reward: Reward, count: int) -> list[Event]:
    """``count`` distinct events (distinct ids) all saying the reward's payment succeeded."""
    payment = payment_of(reward)
    for _ in range(count):
        publish_event(
            PaymentChanged(
                payment_id=payment.pk,
                out_trade_no=payment.out_trade_no,
                biz_type="reward",
                biz_id=reward.pk,
                payer_id=reward.payer_id,
                amount=reward.amount,
                status="success",
                previous_status="init",
                occurred_at=timezone.now(),
            )
        )
    rows = OutboxEvent.objects.filter(type="payment.changed").order_by("id")
    return [Event.from_outbox(row) for row in rows]


def assert_credited_once(reward: Reward, author) -> None:
    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.PAID
    assert LedgerTransaction.objects.count() == 1
    assert balances() == {
        f"user:{author.pk}": 900,
        "wechat_clearing": -1000,
        "platform_revenue": 100,
    }
    assert OutboxEvent.objects.filter(type="reward.changed").count() == 1
    call_command("ledger_verify", "--no-progress")


def test_twenty_concurrent_deliveries_of_one_event_credit_once(reward, author):
    callback(reward)
    (event,) = [
        Event.from_outbox(row) for row in OutboxEvent.objects.filter(type="payment.changed")
    ]

    results = run_together(20, lambda i: LocalTransport().send([event]))

    assert all(result == [event.event_id] for result in results), results
    assert_credited_once(reward, author)


def test_twenty_concurrent_distinct_events_of_one_payment_credit_once(reward, author):
    events = paid_events(reward, 20)

    results = run_together(20, lambda i: LocalTransport().send([events[i]]))

    assert all(result == [events[i].event_id] for i, result in enumerate(results)), results
    assert_credited_once(reward, author)


def test_the_payers_poll_racing_the_consumer_credits_once(wechat, reward, author):
    wechat.pay(reward.out_trade_no)
    events = paid_events(reward, 20)

    def work(i: int):
        if i % 2:
            return services.reward_refresh(reward=Reward.objects.get(pk=reward.pk)).status
        return LocalTransport().send([events[i]])

    results = run_together(20, work)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert_credited_once(reward, author)


def test_many_rewards_to_one_author_paid_at_once_all_add_up(wechat, author, article):
    payers = [UserFactory() for _ in range(20)]
    rewards = [
        services.reward_create(payer_id=payer.pk, article_id=article.pk, amount=100 + i)
        for i, payer in enumerate(payers)
    ]
    for reward in rewards:
        callback(reward)
    events = [Event.from_outbox(row) for row in OutboxEvent.objects.filter(type="payment.changed")]

    results = run_together(20, lambda i: LocalTransport().send([events[i]]))

    assert not [result for result in results if isinstance(result, Exception)], results
    total = sum(100 + i for i in range(20))
    commission = sum((100 + i) // 10 for i in range(20))
    assert balances() == {
        f"user:{author.pk}": total - commission,
        "wechat_clearing": -total,
        "platform_revenue": commission,
    }
    call_command("ledger_verify", "--no-progress")


def test_twenty_concurrent_clicks_make_one_order(wechat, reader, article):
    results = run_together(
        20,
        lambda i: services.reward_create(payer_id=reader.pk, article_id=article.pk, amount=700).pk,
    )

    assert not [result for result in results if isinstance(result, Exception)], results
    assert len(set(results)) == 1
    assert Reward.objects.count() == 1
    assert wechat.calls == ["pay"]
