"""Refunds as WeChat settles them: PROCESSING first, SUCCESS (or CLOSED / ABNORMAL) later."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from apps.payments.models import Payment, Refund
from apps.payments.services import payment_refund, refund_refresh
from apps.wechat_sim import store
from apps.wechat_sim.pay_api import refund_settle
from scholarnet.events.models import OutboxEvent
from tests.payments.factories import order_create
from tests.payments.notify_helpers import notify, sim_order, sim_settle

pytestmark = pytest.mark.django_db


def _statuses() -> list[str]:
    rows = OutboxEvent.objects.filter(type="payment.changed").order_by("pk")
    return [row.payload["status"] for row in rows]


def _paid(amount: int = 800) -> str:
    order = order_create(amount=amount)
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)
    return order.out_trade_no


def sim_refund_settle(out_trade_no: str, out_refund_no: str, status: str) -> None:
    """WeChat finished the refund (without notifying: the notification is lost)."""
    store.order_change(
        mchid=settings.WECHATPAY_MCHID,
        out_trade_no=out_trade_no,
        change=lambda order: refund_settle(order, out_refund_no, status),
    )


@override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING")
def test_a_processing_refund_is_not_booked_until_wechat_says_success(wechat):
    number = _paid()

    assert payment_refund(out_trade_no=number, reason="asked") == "processing"
    assert payment_refund(out_trade_no=number, reason="again") == "processing"

    refund = Refund.objects.get()
    assert (refund.status, refund.out_refund_no, refund.amount) == (
        "processing",
        f"{number}-refund",
        800,
    )
    assert Payment.objects.get().status == "success"
    assert _statuses() == ["success"]
    assert list(sim_order(number)["refunds"]) == [f"{number}-refund"]

    sim_refund_settle(number, refund.out_refund_no, "SUCCESS")
    assert refund_refresh(refund=refund) == "success"
    assert refund_refresh(refund=Refund.objects.get()) == "success"
    assert payment_refund(out_trade_no=number, reason="again") == "refunded"

    refund = Refund.objects.get()
    assert refund.refund_id
    assert refund.wechat_status == "SUCCESS"
    payment = Payment.objects.get()
    assert (payment.status, payment.refund_reason) == ("refunded", "asked")
    assert _statuses() == ["success", "refunded"]


@pytest.mark.parametrize("wechat_status", ["CLOSED", "ABNORMAL"])
@override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING")
def test_a_closed_or_abnormal_refund_fails_and_changes_nothing(wechat, wechat_status):
    number = _paid()
    payment_refund(out_trade_no=number, reason="asked")
    sim_refund_settle(number, f"{number}-refund", wechat_status)

    assert refund_refresh(refund=Refund.objects.get()) == "failed"

    assert Refund.objects.get().wechat_status == wechat_status
    assert Payment.objects.get().status == "success"
    assert _statuses() == ["success"]
    # Asking again is a new refund at WeChat, with a new number.
    assert payment_refund(out_trade_no=number, reason="second try") == "processing"
    assert list(Refund.objects.order_by("attempt").values_list("out_refund_no", "status")) == [
        (f"{number}-refund", "failed"),
        (f"{number}-refund2", "processing"),
    ]


def test_a_refund_wechat_answers_success_is_booked_at_once(wechat):
    number = _paid()

    assert payment_refund(out_trade_no=number, reason="asked") == "refunded"

    assert Refund.objects.get().status == "success"
    assert sim_order(number)["trade_state"] == "REFUND"
    assert _statuses() == ["success", "refunded"]
