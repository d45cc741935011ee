"""Concurrency claims of payments, with threads against the real database and Redis."""

from __future__ import annotations

import pytest

from apps.payments.models import Payment, PaymentNotification
from apps.payments.services import payment_native_create, payments_reconcile
from apps.wechat_sim.notify import notification_build
from scholarnet.events.models import OutboxEvent
from tests.payments.factories import order_create
from tests.payments.notify_helpers import notify, post_notification, sim_order, sim_settle
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def _events() -> int:
    return OutboxEvent.objects.filter(type="payment.changed").count()


def test_twenty_concurrent_callbacks_apply_once(wechat):
    order = order_create(amount=1500)
    sim_settle(order.out_trade_no)
    notifications = [notification_build(sim_order(order.out_trade_no)) for _ in range(20)]

    results = run_together(20, lambda i: post_notification(*notifications[i]).status_code)

    assert results == [200] * 20
    assert Payment.objects.get().status == "success"
    assert _events() == 1
    outcomes = list(PaymentNotification.objects.values_list("outcome", flat=True))
    assert sorted(outcomes) == ["applied"] + ["duplicate"] * 19


def test_twenty_copies_of_one_signed_request_at_once_apply_once(wechat):
    order = order_create()
    sim_settle(order.out_trade_no)
    headers, body = notification_build(sim_order(order.out_trade_no))

    results = run_together(20, lambda i: post_notification(headers, body).status_code)

    assert sorted(results) == [200] + [400] * 19
    assert Payment.objects.get().status == "success"
    assert _events() == 1
    outcomes = list(PaymentNotification.objects.values_list("outcome", flat=True))
    assert sorted(outcomes) == ["applied"] + ["replayed"] * 19


def test_a_callback_racing_the_reconciliation_applies_once(wechat):
    from datetime import timedelta

    from django.utils import timezone

    orders = [order_create() for _ in range(10)]
    for order in orders:
        sim_settle(order.out_trade_no)
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=31))

    def work(i: int) -> object:
        if i == 0:
            return payments_reconcile()
        return notify(orders[i - 1].out_trade_no).status_code

    results = run_together(11, work)

    assert results[1:] == [200] * 10
    assert set(Payment.objects.values_list("status", flat=True)) == {"success"}
    assert _events() == 10


def test_concurrent_prepays_of_one_order_make_one_payment(wechat):
    payer = UserFactory()

    def create(i: int) -> str:
        return payment_native_create(
            out_trade_no="RACE000001",
            amount=200,
            description="Tip",
            payer_id=payer.pk,
            biz_type="reward",
            biz_id=1,
        ).code_url

    results = run_together(10, create)

    assert Payment.objects.count() == 1
    assert len(set(results)) == 1, results
    assert Payment.objects.get().code_url == results[0]


def test_twenty_concurrent_refund_notifications_and_the_reconciliation_refund_once(wechat):
    from datetime import timedelta

    from django.test import override_settings
    from django.utils import timezone

    from apps.payments.models import Refund
    from apps.payments.services import payment_refund
    from apps.wechat_sim.notify import refund_notification_build
    from tests.payments.test_refunds import sim_refund_settle

    order = order_create(amount=900)
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)
    with override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING"):
        assert payment_refund(out_trade_no=order.out_trade_no, reason="r") == "processing"
    out_refund_no = f"{order.out_trade_no}-refund"
    sim_refund_settle(order.out_trade_no, out_refund_no, "SUCCESS")
    Refund.objects.update(created_at=timezone.now() - timedelta(minutes=31))
    notifications = [
        refund_notification_build(sim_order(order.out_trade_no), out_refund_no) for _ in range(20)
    ]

    def work(i: int) -> object:
        if i == 20:
            return payments_reconcile()
        return post_notification(*notifications[i]).status_code

    results = run_together(21, work)

    assert results[:20] == [200] * 20
    assert Refund.objects.get().status == "success"
    assert Payment.objects.get().status == "refunded"
    statuses = list(
        OutboxEvent.objects.filter(type="payment.changed")
        .order_by("id")
        .values_list("payload__status", flat=True)
    )
    assert statuses == ["success", "refunded"]
