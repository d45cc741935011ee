"""``manage.py demo_data`` pays one demo tip through the real payment path, with no server
running: the rewards service's order through the SDK (served in process by the simulator), the
simulator's signed notification through the payments service, the ledger crediting the author
90 %. A second run, and the payment's event delivered later, change nothing."""

from __future__ import annotations

import pytest
import requests
from django.core.management import call_command

from apps.articles import services as article_services
from apps.articles.models import PublishedArticle
from apps.ledger.models import Entry, LedgerTransaction
from apps.ledger.selectors import wallet_get
from apps.payments.models import NotificationOutcome, Payment, PaymentNotification
from apps.payments.wechatpay import wechatpay_client_reset
from apps.rewards import services as reward_services
from apps.rewards.models import Reward, RewardStatus
from apps.users.models import User
from apps.web.management.commands.demo_data import ARTICLES, demo_content_create, demo_email
from apps.wechat_sim.in_process import gateway_in_process
from tests.rewards.conftest import deliver
from tests.web.test_library import client_for

pytestmark = pytest.mark.django_db

AMOUNT = 1000  # fen, the demo's tip


@pytest.fixture(autouse=True)
def _fresh_wechatpay_client():
    """The SDK's client downloads the simulator's certificates once per process: in process."""
    wechatpay_client_reset()
    yield
    wechatpay_client_reset()


def author() -> User:
    return User.objects.get(email=demo_email(ARTICLES[0]["author"]))


def money() -> tuple:
    return (
        list(Reward.objects.values_list("status", "amount", "author_amount", "commission_amount")),
        list(Payment.objects.values_list("status", "amount")),
        PaymentNotification.objects.count(),
        LedgerTransaction.objects.count(),
        Entry.objects.count(),
        wallet_get(user_id=author().pk).balance,
    )


def test_demo_data_pays_one_tip_and_the_author_gets_90_percent(capsys):
    call_command("demo_data", "--no-login")
    first = capsys.readouterr().out

    emmy = author()
    assert "Demo tip: ¥10.00 from Alan Turing to Emmy Noether, paid" in first
    assert wallet_get(user_id=emmy.pk).balance == AMOUNT * 90 // 100
    reward = Reward.objects.get()
    assert (reward.status, reward.author_id, reward.author_amount) == ("paid", emmy.pk, 900)
    payment = Payment.objects.get()
    assert payment.status == "success"
    assert payment.code_url.startswith("weixin://wxpay/bizpayurl?pr=")  # the simulator's prepay
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == [
        NotificationOutcome.APPLIED
    ]
    wallet = client_for(emmy).get("/me/wallet/").content.decode()
    assert 'data-balance="900"' in wallet
    after_first = money()

    call_command("demo_data", "--no-login")
    second = capsys.readouterr().out
    deliver("payment.changed")  # the rewards consumer hears of the payment later: nothing new

    assert "Demo tip: paid already, nothing added." in second
    assert money() == after_first
    assert after_first[3:5] == (1, 3)  # one transaction: clearing, author, platform


def test_a_tip_left_pending_by_an_interrupted_run_is_the_one_paid(capsys):
    demo_content_create()
    payer = User.objects.get(email=demo_email("alan"))
    article_id = PublishedArticle.objects.get(title=ARTICLES[0]["title"]).pk
    with gateway_in_process():
        pending = reward_services.reward_create(
            payer_id=payer.pk, article_id=article_id, amount=AMOUNT
        )

    call_command("demo_data", "--no-login")

    assert "Demo tip: ¥10.00" in capsys.readouterr().out
    assert list(Reward.objects.values_list("pk", "status")) == [(pending.pk, RewardStatus.PAID)]
    assert wallet_get(user_id=author().pk).balance == 900


def test_without_the_simulator_there_is_no_demo_tip(settings, capsys):
    settings.WECHAT_SIMULATOR_ENABLED = False

    call_command("demo_data", "--no-login")

    assert "Demo tip: none, the WeChat simulator is off." in capsys.readouterr().out
    assert not Reward.objects.exists()
    assert wallet_get(user_id=author().pk).balance == 0


def test_in_process_the_sdk_reaches_only_the_simulators_gateway():
    with gateway_in_process(), pytest.raises(requests.ConnectionError):
        requests.get("https://api.mch.weixin.qq.com/v3/certificates", timeout=1)


def test_a_tip_that_cannot_be_paid_is_reported_and_demo_data_still_finishes(capsys):
    demo_content_create()
    article = PublishedArticle.objects.get(title=ARTICLES[0]["title"])
    article_services.article_withdraw(article_id=article.pk, author=author())

    call_command("demo_data", "--no-login")

    assert "Demo tip: not paid (not_found: " in capsys.readouterr().out
    assert not Reward.objects.exists()
    assert wallet_get(user_id=author().pk).balance == 0
