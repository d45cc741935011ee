"""Tipping end to end against the local WeChat simulator: the real SDK signs and verifies,
the pay page sends the signed, encrypted callback, payments' notify applies it, the rewards
consumer credits the ledger. Forged, wrong-amount and replayed callbacks credit nobody."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.test import Client

from apps.ledger.models import LedgerTransaction
from apps.payments.models import PaymentNotification
from apps.payments.services import payment_refund
from apps.payments.wechatpay import wechatpay_client_reset
from apps.rewards.models import Reward, RewardStatus
from apps.wechat_sim.notify import notification_build
from apps.wechat_sim.pay_api import transaction_of
from tests.payments.notify_helpers import notify, post_notification, sim_order, sim_settle
from tests.rewards.conftest import balances, deliver
from tests.wechat_sim.routing import site_over_http

pytestmark = pytest.mark.django_db

REWARDS = "/api/v1/articles/{}/rewards"
WALLET = "/api/v1/me/wallet"


@pytest.fixture
def simulator():
    wechatpay_client_reset()
    with site_over_http() as mock:
        yield mock
    wechatpay_client_reset()


@pytest.fixture
def tip(simulator, reader_client, article) -> dict:
    response = reader_client.post(REWARDS.format(article.pk), {"amount": 1000}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _out_trade_no(tip: dict) -> str:
    return Reward.objects.get(pk=tip["reward_id"]).out_trade_no


def _ledger_clean(capsys) -> None:
    call_command("ledger_verify", "--no-progress")
    assert "every balance matches" in capsys.readouterr().out


def _credited(author) -> dict[str, int]:
    return {f"user:{author.pk}": 900, "wechat_clearing": -1000, "platform_revenue": 100}


def test_paying_on_the_simulator_grows_the_authors_wallet_by_90_percent(
    tip, author, author_client, reader_client, capsys
):
    page = Client().post(tip["pay_url"], {"result": "success"}, content_type="application/json")
    deliver("payment.changed")

    assert page.json() == {"trade_state": "SUCCESS", "notify_status": 200}
    assert reader_client.get(f"/api/v1/rewards/{tip['reward_id']}").json()["status"] == "paid"
    wallet = author_client.get(WALLET).json()
    assert wallet["balance"] == 900
    assert [(e["amount"], e["kind"]) for e in wallet["results"]] == [(900, "reward")]
    assert reader_client.get(WALLET).json()["balance"] == 0  # never the payer
    assert balances() == _credited(author)
    _ledger_clean(capsys)


def test_a_duplicate_callback_credits_once(tip, author, capsys):
    number = _out_trade_no(tip)
    sim_settle(number)

    assert notify(number).status_code == 200
    assert notify(number).status_code == 200  # a new nonce, the same payment: a duplicate
    deliver("payment.changed")
    deliver("payment.changed")

    outcomes = list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["applied", "duplicate"]
    assert LedgerTransaction.objects.count() == 1
    assert balances() == _credited(author)
    _ledger_clean(capsys)


def test_a_forged_callback_credits_nobody(tip, capsys):
    number = _out_trade_no(tip)
    sim_settle(number)
    headers, body = notification_build(sim_order(number))
    headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][::-1]

    response = post_notification(headers, body)
    deliver("payment.changed")

    assert response.status_code == 401
    assert Reward.objects.get(pk=tip["reward_id"]).status == RewardStatus.PENDING
    assert LedgerTransaction.objects.count() == 0
    _ledger_clean(capsys)


def test_a_callback_with_another_amount_credits_nobody(tip, capsys):
    settled = sim_settle(_out_trade_no(tip))
    resource = transaction_of(settled)
    resource["amount"] = {"total": 1, "currency": "CNY", "payer_total": 1}

    response = post_notification(*notification_build(settled, resource=resource))
    deliver("payment.changed")

    assert response.json()["extra"] == {"reason": "amount_mismatch"}
    assert Reward.objects.get(pk=tip["reward_id"]).status == RewardStatus.PENDING
    assert LedgerTransaction.objects.count() == 0
    _ledger_clean(capsys)


def test_replayed_callbacks_credit_once(tip, author, capsys):
    number = _out_trade_no(tip)
    sim_settle(number)
    headers, body = notification_build(sim_order(number))

    first = post_notification(headers, body)
    again = post_notification(headers, body)  # the same signed request: a replay
    stale = notify(number, timestamp=int(time.time()) - 301)  # an old one
    deliver("payment.changed")

    assert (first.status_code, again.json()["extra"], stale.json()["extra"]) == (
        200,
        {"reason": "replayed"},
        {"reason": "stale"},
    )
    assert LedgerTransaction.objects.count() == 1
    assert balances() == _credited(author)
    _ledger_clean(capsys)


def test_a_lost_callback_is_found_by_the_payers_poll(tip, author, reader_client, capsys):
    sim_settle(_out_trade_no(tip))  # paid at WeChat, no notification sent

    response = reader_client.get(f"/api/v1/rewards/{tip['reward_id']}")
    deliver("payment.changed")

    assert response.json()["status"] == "paid"
    assert balances() == _credited(author)
    _ledger_clean(capsys)


def test_a_refund_through_wechat_reverses_the_credits(tip, author, capsys):
    Client().post(tip["pay_url"], {"result": "success"}, content_type="application/json")
    deliver("payment.changed")

    assert payment_refund(out_trade_no=_out_trade_no(tip), reason="asked") == "refunded"
    deliver("payment.changed")

    assert Reward.objects.get(pk=tip["reward_id"]).status == RewardStatus.REFUNDED
    assert balances() == {f"user:{author.pk}": 0, "wechat_clearing": 0, "platform_revenue": 0}
    _ledger_clean(capsys)


def test_a_repeated_click_is_the_same_simulator_order(tip, simulator, reader_client, article):
    again = reader_client.post(REWARDS.format(article.pk), {"amount": 1000}, format="json").json()

    assert (again["reward_id"], again["code_url"]) == (tip["reward_id"], tip["code_url"])
    assert Reward.objects.count() == 1
