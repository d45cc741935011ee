"""Refunds as WeChat settles them: PROCESSING first, SUCCESS (or CLOSED / ABNORMAL) later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from apps.payments.models import Payment, Refund
from apps.payments.services import payment_refund, payments_reconcile, refund_refresh
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


def _age_refunds(*, minutes: int) -> None:
    Refund.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


@override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING")
def test_reconciliation_completes_a_refund_whose_notification_was_lost(wechat):
    number = _paid()
    payment_refund(out_trade_no=number, reason="asked")
    sim_refund_settle(number, f"{number}-refund", "SUCCESS")
    _age_refunds(minutes=31)

    report = payments_reconcile()
    again = payments_reconcile()

    assert (report.refunds_checked, report.refunds_succeeded, report.refunds_failed) == (1, 1, 0)
    assert again.refunds_checked == 0
    assert Refund.objects.get().status == "success"
    assert Payment.objects.get().status == "refunded"
    assert _statuses() == ["success", "refunded"]


@override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING")
def test_reconciliation_fails_a_closed_refund_and_waits_on_a_processing_one(wechat):
    closed, waiting, young = _paid(), _paid(), _paid()
    for number in (closed, waiting, young):
        payment_refund(out_trade_no=number, reason="asked")
    sim_refund_settle(closed, f"{closed}-refund", "CLOSED")
    Refund.objects.exclude(payment__out_trade_no=young).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )

    report = payments_reconcile(page_size=1)

    assert (
        report.refunds_checked,
        report.refunds_succeeded,
        report.refunds_failed,
        report.refunds_unchanged,
    ) == (2, 0, 1, 1)
    statuses = dict(Refund.objects.values_list("payment__out_trade_no", "status"))
    assert statuses == {closed: "failed", waiting: "processing", young: "processing"}
    assert set(Payment.objects.values_list("status", flat=True)) == {"success"}


@override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING")
def test_the_command_reports_the_refunds(wechat, capsys):
    number = _paid()
    payment_refund(out_trade_no=number, reason="asked")
    sim_refund_settle(number, f"{number}-refund", "SUCCESS")
    _age_refunds(minutes=31)

    call_command("payments_reconcile")

    out = capsys.readouterr().out
    assert "refunds checked 1: succeeded 1, failed 0, unchanged 0" in out


@override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING")
def test_the_admin_refund_action_reports_a_refund_still_processing(wechat, admin_client):
    number = _paid()
    payment = Payment.objects.get()

    response = admin_client.post(
        "/admin/payments/payment/",
        {"action": "refund", "_selected_action": [payment.pk]},
        follow=True,
    )

    assert f"{number}: processing" in response.content.decode()
    assert Payment.objects.get().status == "success"
    refund = Refund.objects.get()
    assert admin_client.get("/admin/payments/refund/").status_code == 200
    assert admin_client.get(f"/admin/payments/refund/{refund.pk}/change/").status_code == 200
