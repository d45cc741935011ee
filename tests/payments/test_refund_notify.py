"""WeChat's refund notifications (REFUND.SUCCESS …) at the notify endpoint: verified like a
payment notification, recorded, applied once."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from apps.payments.models import Payment, PaymentNotification, Refund
from apps.payments.services import payment_refund
from apps.wechat_sim.notify import refund_notification_build
from scholarnet.events.models import OutboxEvent
from tests.payments.factories import order_create
from tests.payments.notify_helpers import notify, post_notification, sim_order, sim_settle
from tests.payments.test_refunds import sim_refund_settle

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("wechat"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def _statuses() -> list[str]:
    rows = OutboxEvent.objects.filter(type="payment.changed").order_by("pk")
    return [row.payload["status"] for row in rows]


@pytest.fixture
def processing() -> str:
    """A paid order whose refund WeChat answered PROCESSING; its out_trade_no."""
    order = order_create(amount=650)
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)
    with override_settings(WECHAT_SIMULATOR_REFUND_STATUS="PROCESSING"):
        assert payment_refund(out_trade_no=order.out_trade_no, reason="asked") == "processing"
    return order.out_trade_no


def _refund_notification(number: str, status: str = "SUCCESS", **build):
    sim_refund_settle(number, f"{number}-refund", status)
    return refund_notification_build(sim_order(number), f"{number}-refund", **build)


def test_the_simulator_settles_the_refund_and_its_notification_refunds_the_payment(
    processing, client
):
    response = client.post(
        f"/wechat-sim/refund/{processing}", {"result": "success"}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "out_refund_no": f"{processing}-refund",
        "refund_status": "SUCCESS",
        "notify_status": 200,
    }
    assert Refund.objects.get().status == "success"
    assert Payment.objects.get().status == "refunded"
    assert _statuses() == ["success", "refunded"]
    record = PaymentNotification.objects.get(out_refund_no=f"{processing}-refund")
    assert (record.out_trade_no, record.trade_state, record.outcome) == (
        processing,
        "SUCCESS",
        "applied",
    )


def test_a_duplicate_refund_notification_applies_once(processing):
    headers, body = _refund_notification(processing)
    assert post_notification(headers, body).status_code == 200
    again_headers, again_body = refund_notification_build(
        sim_order(processing), f"{processing}-refund"
    )

    response = post_notification(again_headers, again_body)

    assert response.status_code == 200
    assert response.json()["code"] == "SUCCESS"
    assert _statuses() == ["success", "refunded"]
    outcomes = PaymentNotification.objects.exclude(out_refund_no="").order_by("pk")
    assert [row.outcome for row in outcomes] == ["applied", "duplicate"]


def test_a_replayed_refund_notification_is_refused(processing):
    headers, body = _refund_notification(processing)
    assert post_notification(headers, body).status_code == 200

    response = post_notification(headers, body)

    assert response.status_code == 400
    assert response.json()["extra"] == {"reason": "replayed"}
    assert _statuses() == ["success", "refunded"]


def test_a_stale_refund_notification_changes_nothing(processing):
    headers, body = _refund_notification(processing, timestamp=int(time.time()) - 301)

    response = post_notification(headers, body)

    assert response.json()["extra"] == {"reason": "stale"}
    assert Refund.objects.get().status == "processing"
    assert Payment.objects.get().status == "success"


def test_a_forged_refund_notification_changes_nothing(processing):
    headers, body = _refund_notification(processing)
    headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][::-1]

    response = post_notification(headers, body)

    assert response.status_code == 401
    assert Refund.objects.get().status == "processing"
    assert _statuses() == ["success"]


def test_a_refund_notification_with_another_amount_changes_nothing(processing):
    order = sim_order(processing)
    resource = {
        "mchid": order["mchid"],
        "out_trade_no": processing,
        "out_refund_no": f"{processing}-refund",
        "refund_status": "SUCCESS",
        "amount": {"total": 650, "refund": 1, "payer_total": 650, "payer_refund": 1},
    }
    headers, body = _refund_notification(processing, resource=resource)

    response = post_notification(headers, body)

    assert response.json()["extra"] == {"reason": "amount_mismatch"}
    assert Refund.objects.get().status == "processing"
    assert Payment.objects.get().status == "success"


def test_a_notification_of_a_refund_we_never_asked_for_is_unknown(processing):
    order = sim_order(processing)
    resource = {
        "mchid": order["mchid"],
        "out_trade_no": processing,
        "out_refund_no": "SOMEONE-ELSES",
        "refund_status": "SUCCESS",
        "amount": {"total": 650, "refund": 650},
    }
    headers, body = _refund_notification(processing, resource=resource)

    assert post_notification(headers, body).json()["extra"] == {"reason": "unknown_order"}
    assert Payment.objects.get().status == "success"


@pytest.mark.parametrize("result", ["closed", "abnormal"])
def test_a_closed_refund_notification_fails_the_refund_and_moves_nothing(
    processing, client, result
):
    response = client.post(
        f"/wechat-sim/refund/{processing}", {"result": result}, content_type="application/json"
    )

    assert response.json()["notify_status"] == 200
    assert Refund.objects.get().status == "failed"
    assert Payment.objects.get().status == "success"
    assert _statuses() == ["success"]
