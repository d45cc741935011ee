"""From payment to ledger: each path ends with one credit to the author and one to the
platform, or none, or their reversal, and ``ledger_verify`` clean."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.ledger.models import Entry, LedgerTransaction
from apps.payments import services as payment_services
from apps.payments.events import PaymentChanged
from apps.payments.models import Refund
from apps.rewards import services
from apps.rewards.models import Reward, RewardStatus
from scholarnet.events.models import OutboxEvent
from scholarnet.events.payloads import publish_event
from tests.rewards.conftest import balances, callback, deliver, payment_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def reward(wechat, reader, article) -> Reward:
    return services.reward_create(payer_id=reader.pk, article_id=article.pk, amount=1000)


def credited(author) -> dict[str, int]:
    return {f"user:{author.pk}": 900, "wechat_clearing": -1000, "platform_revenue": 100}


NOTHING_MOVED = {"wechat_clearing": 0, "platform_revenue": 0}


def assert_ledger_clean(capsys) -> None:
    call_command("ledger_verify", "--no-progress")
    assert "every balance matches" in capsys.readouterr().out


def reward_events() -> list[tuple[str, str, int]]:
    rows = OutboxEvent.objects.filter(type="reward.changed").order_by("id")
    return [
        (r.payload["previous_status"], r.payload["status"], r.payload["author_amount"])
        for r in rows
    ]


@pytest.mark.parametrize(
    ("amount", "author_amount", "commission"),
    [
        (1, 1, 0),
        (9, 9, 0),
        (10, 9, 1),
        (15, 14, 1),
        (19, 18, 1),
        (999, 900, 99),
        (50_000, 45_000, 5_000),
    ],
)
def test_the_platform_gets_its_commission_rounded_down_and_the_author_the_rest(
    amount, author_amount, commission
):
    split = services.reward_split(amount=amount)

    assert (split.author_amount, split.commission_amount) == (author_amount, commission)


def test_the_commission_comes_from_the_settings(settings):
    settings.REWARDS_COMMISSION_PERCENT = 30

    assert services.reward_split(amount=1001).commission_amount == 300


def test_a_paid_reward_credits_the_author_90_and_the_platform_10_percent(reward, author, capsys):
    callback(reward)
    deliver("payment.changed")

    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID
    assert (reward.author_amount, reward.commission_amount) == (900, 100)
    assert balances() == credited(author)
    row = LedgerTransaction.objects.get()
    assert (row.idempotency_key, row.kind, row.reference) == (
        f"reward:{reward.pk}:paid",
        "reward",
        f"reward:{reward.pk}",
    )
    assert reward_events() == [("pending", "paid", 900)]
    event = OutboxEvent.objects.get(type="reward.changed")
    assert event.payload["author_id"] == author.pk
    assert_ledger_clean(capsys)


def test_a_tip_of_one_fen_goes_to_the_author_alone(wechat, reader, author, article, capsys):
    reward = services.reward_create(payer_id=reader.pk, article_id=article.pk, amount=1)

    callback(reward)
    deliver("payment.changed")

    assert balances() == {f"user:{author.pk}": 1, "wechat_clearing": -1, "platform_revenue": 0}
    assert Entry.objects.count() == 2
    assert_ledger_clean(capsys)


def test_a_duplicate_callback_credits_once(reward, author, capsys):
    callback(reward)
    callback(reward)  # payments finds it paid already: no second event
    deliver("payment.changed")

    assert OutboxEvent.objects.filter(type="payment.changed").count() == 1
    assert balances() == credited(author)
    assert_ledger_clean(capsys)


def test_the_consumer_run_twice_credits_once(reward, author, capsys):
    callback(reward)
    deliver("payment.changed")
    deliver("payment.changed")

    assert balances() == credited(author)
    assert LedgerTransaction.objects.count() == 1
    assert reward_events() == [("pending", "paid", 900)]
    assert_ledger_clean(capsys)


def test_the_same_change_under_another_event_id_credits_once(reward, author, capsys):
    # A producer that published twice (or a replayed dead letter): a new event id, same fact.
    callback(reward)
    payload = OutboxEvent.objects.get(type="payment.changed").payload
    publish_event(PaymentChanged.from_event(deliver("payment.changed")[0]))
    deliver("payment.changed")

    assert OutboxEvent.objects.filter(type="payment.changed", payload=payload).count() == 2
    assert balances() == credited(author)
    assert LedgerTransaction.objects.count() == 1
    assert_ledger_clean(capsys)


def test_a_callback_before_the_reward_has_its_order_still_credits_once(
    wechat, monkeypatch, reader, author, article, capsys
):
    # WeChat's callback (and the consumer) can win the race with the create's last write.
    create = payment_services.payment_native_create

    def create_then_call_back(**order):
        result = create(**order)
        callback(Reward.objects.get(out_trade_no=order["out_trade_no"]))
        deliver("payment.changed")
        return result

    monkeypatch.setattr(payment_services, "payment_native_create", create_then_call_back)

    reward = services.reward_create(payer_id=reader.pk, article_id=article.pk, amount=1000)

    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID
    assert reward.code_url.startswith("weixin://")
    assert balances() == credited(author)
    assert_ledger_clean(capsys)


def test_a_payment_of_another_amount_changes_nothing(reward, author, capsys):
    payment = payment_of(reward)
    publish_event(
        PaymentChanged(
            payment_id=payment.pk,
            out_trade_no=payment.out_trade_no,
            biz_type="reward",
            biz_id=reward.pk,
            payer_id=reward.payer_id,
            amount=1,
            status="success",
            previous_status="init",
            occurred_at=timezone.now(),
        )
    )
    deliver("payment.changed")

    reward.refresh_from_db()
    assert reward.status == RewardStatus.PENDING
    assert LedgerTransaction.objects.count() == 0
    assert reward_events() == []
    assert_ledger_clean(capsys)


def test_a_payment_of_another_business_is_not_a_reward(reward):
    payment = payment_of(reward)
    publish_event(
        PaymentChanged(
            payment_id=payment.pk,
            out_trade_no=payment.out_trade_no,
            biz_type="membership",
            biz_id=reward.pk,
            payer_id=reward.payer_id,
            amount=1000,
            status="success",
            previous_status="init",
            occurred_at=timezone.now(),
        )
    )
    deliver("payment.changed")

    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.PENDING
    assert LedgerTransaction.objects.count() == 0


@pytest.mark.parametrize("status", ["failed", "closed"])
def test_a_failed_or_closed_payment_fails_the_reward_and_moves_no_money(reward, status):
    callback(reward, status)
    deliver("payment.changed")

    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.FAILED
    assert LedgerTransaction.objects.count() == 0
    assert reward_events() == [("pending", "failed", 0)]


def test_reconciliation_of_a_lost_callback_credits_once(wechat, reward, author, capsys):
    wechat.pay(reward.out_trade_no)  # paid at WeChat; the callback never arrived

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        report = payment_services.payments_reconcile()
    deliver("payment.changed")
    deliver("payment.changed")

    assert report.completed == 1
    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.PAID
    assert balances() == credited(author)
    assert_ledger_clean(capsys)


def test_reconciliation_of_an_unpaid_order_fails_the_reward(wechat, reward):
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        payment_services.payments_reconcile()
    deliver("payment.changed")

    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.FAILED
    assert LedgerTransaction.objects.count() == 0


def test_a_refund_after_payment_reverses_both_credits_once(wechat, reward, author, capsys):
    wechat.pay(reward.out_trade_no)
    callback(reward)
    deliver("payment.changed")

    payment_services.payment_refund(out_trade_no=reward.out_trade_no, reason="requested")
    payment_services.payment_refund(out_trade_no=reward.out_trade_no, reason="requested")
    deliver("payment.changed")
    deliver("payment.changed")

    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.REFUNDED
    assert balances() == {f"user:{author.pk}": 0, **NOTHING_MOVED}
    keys = sorted(LedgerTransaction.objects.values_list("idempotency_key", flat=True))
    assert keys == [f"reward:{reward.pk}:paid", f"reward:{reward.pk}:refund"]
    assert reward_events() == [("pending", "paid", 900), ("paid", "refunded", 0)]
    assert_ledger_clean(capsys)


def test_a_refund_heard_before_the_payment_moves_no_money(reward, author, capsys):
    # The refund's event overtook the payment's (the status poll saw "refunded" first):
    # nothing is credited and nothing reversed; the late success is refused.
    services.reward_payment_apply(reward_id=reward.pk, payment_status="refunded", amount=1000)
    services.reward_payment_apply(reward_id=reward.pk, payment_status="success", amount=1000)

    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.REFUNDED
    assert LedgerTransaction.objects.count() == 0
    assert balances() == {f"user:{author.pk}": 0, **NOTHING_MOVED}
    assert reward_events() == [("pending", "refunded", 0)]
    assert_ledger_clean(capsys)


def test_the_author_is_notified_of_a_paid_tip_once_and_not_of_its_refund(
    wechat, reward, author, reader, article
):
    from apps.notifications.models import Notification

    wechat.pay(reward.out_trade_no)
    callback(reward)
    deliver("payment.changed")
    deliver("reward.changed")
    deliver("reward.changed")  # redelivered: still one notification
    payment_services.payment_refund(out_trade_no=reward.out_trade_no, reason="requested")
    deliver("payment.changed")
    deliver("reward.changed")

    [row] = Notification.objects.filter(recipient=author)
    assert (row.kind, row.group_key, row.actor_ids) == (
        "reward",
        f"reward:{reward.pk}",
        [reader.pk],
    )
    assert (row.article_id, row.title) == (article.pk, article.title)
    assert row.preview == "tipped ¥10.00, ¥9.00 to you"
    assert not Notification.objects.filter(recipient=reader).exists()


def test_a_refund_still_processing_reverses_nothing_until_wechat_says_success(
    wechat, reward, author, capsys
):
    wechat.pay(reward.out_trade_no)
    callback(reward)
    deliver("payment.changed")
    wechat.refund_status = "PROCESSING"

    assert payment_services.payment_refund(out_trade_no=reward.out_trade_no, reason="r") == (
        "processing"
    )
    deliver("payment.changed")
    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.PAID
    assert balances() == credited(author)

    wechat.refunds[f"{reward.out_trade_no}-refund"] = "SUCCESS"
    assert payment_services.refund_refresh(refund=Refund.objects.get()) == "success"
    assert payment_services.refund_refresh(refund=Refund.objects.get()) == "success"
    deliver("payment.changed")
    deliver("payment.changed")

    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.REFUNDED
    assert balances() == {f"user:{author.pk}": 0, **NOTHING_MOVED}
    keys = sorted(LedgerTransaction.objects.values_list("idempotency_key", flat=True))
    assert keys == [f"reward:{reward.pk}:paid", f"reward:{reward.pk}:refund"]
    assert_ledger_clean(capsys)


@pytest.mark.parametrize("wechat_status", ["CLOSED", "ABNORMAL"])
def test_a_refund_wechat_closes_moves_no_money(wechat, reward, author, capsys, wechat_status):
    wechat.pay(reward.out_trade_no)
    callback(reward)
    deliver("payment.changed")
    wechat.refund_status = wechat_status

    assert payment_services.payment_refund(out_trade_no=reward.out_trade_no, reason="r") == (
        "failed"
    )
    deliver("payment.changed")

    assert payment_of(reward).status == "success"
    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.PAID
    assert balances() == credited(author)
    assert_ledger_clean(capsys)
