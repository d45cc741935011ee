"""Native prepay through the real SDK against the simulator."""

from __future__ import annotations

import pytest

from apps.payments.errors import PaymentConflict, PaymentInvalid, PaymentProviderError
from apps.payments.models import Payment
from apps.payments.services import payment_native_create, payment_refresh
from apps.wechat_sim import store
from tests.payments.factories import order_create
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_prepay_returns_the_simulators_code_url_and_pay_url(wechat, settings):
    payer = UserFactory()
    order = payment_native_create(
        out_trade_no="ORDER0001",
        amount=1234,
        description="Tip for article 7",
        payer_id=payer.pk,
        biz_type="reward",
        biz_id=7,
    )

    sim = store.order_get(mchid=settings.WECHATPAY_MCHID, out_trade_no="ORDER0001")
    assert sim is not None
    assert sim["total"] == 1234
    assert sim["trade_state"] == "NOTPAY"
    assert order.code_url == sim["code_url"]
    assert order.code_url.startswith("weixin://wxpay/")
    assert order.pay_url == "http://testserver/wechat-sim/pay/ORDER0001"
    assert order.status == "init"
    payment = Payment.objects.get()
    assert (payment.amount, payment.payer_id, payment.biz_type, payment.biz_id) == (
        1234,
        payer.pk,
        "reward",
        7,
    )
    assert sim["notify_url"] == "http://testserver/api/v1/payments/wechat/notify"


def test_the_same_out_trade_no_again_returns_the_same_order_without_a_second_prepay(wechat):
    first = order_create(amount=300)
    payment = Payment.objects.get()
    calls_before = len(wechat.calls)

    again = payment_native_create(
        out_trade_no=first.out_trade_no,
        amount=300,
        description=payment.description,
        payer_id=payment.payer_id,
        biz_type="reward",
        biz_id=payment.biz_id,
    )

    assert again == first
    assert Payment.objects.count() == 1
    assert len(wechat.calls) == calls_before  # answered from the row


def test_the_same_out_trade_no_for_another_amount_is_a_conflict(wechat):
    first = order_create(amount=300)
    payment = Payment.objects.get()

    with pytest.raises(PaymentConflict):
        payment_native_create(
            out_trade_no=first.out_trade_no,
            amount=301,
            description=payment.description,
            payer_id=payment.payer_id,
            biz_type="reward",
            biz_id=payment.biz_id,
        )
    assert Payment.objects.get().amount == 300


@pytest.mark.parametrize(
    ("out_trade_no", "amount", "description"),
    [("short", 100, "x"), ("GOOD000001", 0, "x"), ("GOOD000001", -5, "x"), ("GOOD000001", 1, "")],
)
def test_bad_orders_are_refused_before_anything_is_written(
    wechat, out_trade_no, amount, description
):
    with pytest.raises(PaymentInvalid):
        payment_native_create(
            out_trade_no=out_trade_no,
            amount=amount,
            description=description,
            payer_id=UserFactory().pk,
            biz_type="reward",
            biz_id=1,
        )
    assert Payment.objects.count() == 0
    assert len(wechat.calls) == 0


def test_wechat_unreachable_leaves_the_order_init_without_code_url_and_a_retry_completes_it(
    wechat, settings
):
    from apps.payments.wechatpay import wechatpay_client

    wechatpay_client()  # certificates downloaded while the simulator answers
    payer = UserFactory()
    arguments = {
        "out_trade_no": "RETRY00001",
        "amount": 100,
        "description": "Tip",
        "payer_id": payer.pk,
        "biz_type": "reward",
        "biz_id": 1,
    }
    settings.WECHATPAY_GATEWAY = "http://unreachable.invalid"
    from apps.payments.wechatpay import wechatpay_client_reset

    wechatpay_client_reset()
    with pytest.raises(PaymentProviderError):
        payment_native_create(**arguments)
    assert Payment.objects.get().code_url == ""

    settings.WECHATPAY_GATEWAY = "http://testserver/wechat-sim"
    wechatpay_client_reset()
    order = payment_native_create(**arguments)
    assert order.code_url.startswith("weixin://")
    assert Payment.objects.count() == 1


def test_refresh_of_an_unpaid_order_asks_wechat_and_stays_init(wechat):
    order = order_create()
    assert payment_refresh(out_trade_no=order.out_trade_no) == "init"
    assert any("/out-trade-no/" in call.request.url for call in wechat.calls)
