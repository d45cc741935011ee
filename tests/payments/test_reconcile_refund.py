"""Reconciliation of lost callbacks and stale orders; refunds through the SDK; the commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.payments.errors import PaymentNotRefundable
from apps.payments.models import Payment
from apps.payments.services import payment_refresh, payment_refund, payments_reconcile
from scholarnet.events.models import OutboxEvent
from tests.payments.factories import order_create
from tests.payments.notify_helpers import notify, sim_order, sim_settle

pytestmark = pytest.mark.django_db


def _statuses() -> list[str]:
    rows = OutboxEvent.objects.filter(type="payment.changed").order_by("pk")
    return [row.payload["status"] for row in rows]


def _age(*, minutes: int) -> None:
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_reconciliation_completes_a_paid_order_whose_callback_was_lost(wechat):
    order = order_create(amount=700)
    settled = sim_settle(order.out_trade_no)
    _age(minutes=31)

    report = payments_reconcile()

    payment = Payment.objects.get()
    assert (payment.status, payment.transaction_id) == ("success", settled["transaction_id"])
    assert (report.checked, report.completed, report.closed, report.unchanged) == (1, 1, 0, 0)
    assert _statuses() == ["success"]
    # The late callback afterwards is a duplicate: still one event.
    assert notify(order.out_trade_no).status_code == 200
    assert _statuses() == ["success"]


def test_reconciliation_closes_unpaid_orders_at_wechat_then_here(wechat):
    order = order_create()
    _age(minutes=31)

    report = payments_reconcile()

    assert Payment.objects.get().status == "closed"
    assert sim_order(order.out_trade_no)["trade_state"] == "CLOSED"
    assert (report.checked, report.closed) == (1, 1)
    assert _statuses() == ["closed"]


def test_reconciliation_leaves_young_orders_alone(wechat):
    order_create()
    _age(minutes=29)

    assert payments_reconcile().checked == 0
    assert Payment.objects.get().status == "init"


def test_reconciliation_pages_through_every_stale_order(wechat):
    orders = [order_create() for _ in range(5)]
    sim_settle(orders[1].out_trade_no)
    sim_settle(orders[3].out_trade_no, trade_state="PAYERROR")
    _age(minutes=40)

    report = payments_reconcile(page_size=2)

    assert report.checked == 5
    statuses = dict(Payment.objects.values_list("out_trade_no", "status"))
    assert [statuses[o.out_trade_no] for o in orders] == [
        "closed",
        "success",
        "closed",
        "failed",
        "closed",
    ]


def test_an_order_paid_between_query_and_close_is_not_closed(wechat, monkeypatch):
    from apps.payments import services

    order = order_create()
    _age(minutes=31)
    real_call = services._call

    def pay_just_before_close(method, **arguments):
        if method == "close":
            sim_settle(order.out_trade_no)
        return real_call(method, **arguments)

    monkeypatch.setattr(services, "_call", pay_just_before_close)
    payments_reconcile()

    assert Payment.objects.get().status == "init"  # WeChat refused the close (ORDERPAID)
    monkeypatch.setattr(services, "_call", real_call)
    payments_reconcile()
    assert Payment.objects.get().status == "success"


def test_the_command_reconciles_and_reports(wechat, capsys):
    order = order_create()
    sim_settle(order.out_trade_no)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        call_command("payments_reconcile")

    assert "checked 1: completed 1, closed 0, unchanged 0" in capsys.readouterr().out
    assert Payment.objects.get().status == "success"


def test_the_beat_task_runs_the_reconciliation(wechat):
    from apps.payments.tasks import payments_reconcile as task

    order_create()
    _age(minutes=31)
    task.delay()
    assert Payment.objects.get().status == "closed"


def test_refresh_applies_a_paid_order(wechat):
    order = order_create()
    sim_settle(order.out_trade_no)

    assert payment_refresh(out_trade_no=order.out_trade_no) == "success"
    assert payment_refresh(out_trade_no=order.out_trade_no) == "success"
    assert _statuses() == ["success"]


def test_refund_after_payment_goes_through_wechat_once(wechat):
    order = order_create(amount=990)
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)

    assert payment_refund(out_trade_no=order.out_trade_no, reason="author asked") == "refunded"
    assert payment_refund(out_trade_no=order.out_trade_no, reason="again") == "refunded"

    payment = Payment.objects.get()
    assert (payment.status, payment.refund_reason) == ("refunded", "author asked")
    sim = sim_order(order.out_trade_no)
    assert sim["trade_state"] == "REFUND"
    assert list(sim["refunds"]) == [f"{order.out_trade_no}-refund"]
    assert _statuses() == ["success", "refunded"]


def test_an_unpaid_payment_cannot_be_refunded(wechat):
    order = order_create()

    with pytest.raises(PaymentNotRefundable):
        payment_refund(out_trade_no=order.out_trade_no, reason="x")
    assert Payment.objects.get().status == "init"
    assert sim_order(order.out_trade_no)["refunds"] == {}


def test_the_refund_command(wechat, capsys):
    order = order_create()
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)

    call_command("payments_refund", order.out_trade_no, "--reason", "duplicate tip")
    assert f"{order.out_trade_no}: refunded" in capsys.readouterr().out
    with pytest.raises(CommandError, match="payment_not_found"):
        call_command("payments_refund", "NOSUCHORDER", "--reason", "x")


def test_the_admin_refund_action_for_staff(wechat, admin_client):
    order = order_create()
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)
    payment = Payment.objects.get()

    response = admin_client.post(
        "/admin/payments/payment/",
        {"action": "refund", "_selected_action": [payment.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert Payment.objects.get().status == "refunded"
    assert admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").status_code == 200
    assert admin_client.get("/admin/payments/paymentnotification/").status_code == 200
