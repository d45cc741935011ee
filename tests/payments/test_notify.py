"""The notify endpoint: verified, recorded, applied once; forged, stale, replayed, wrong-amount
notifications change nothing and are recorded."""

from __future__ import annotations

import time

import pytest

from apps.payments.events import PaymentChanged
from apps.payments.models import Payment, PaymentNotification
from apps.wechat_sim.notify import notification_build
from scholarnet.events.models import OutboxEvent
from tests.payments.factories import order_create
from tests.payments.notify_helpers import (
    notify,
    post_notification,
    sim_order,
    sim_settle,
)

pytestmark = pytest.mark.django_db


def _events() -> list[PaymentChanged]:
    from scholarnet.events.envelope import Event

    rows = OutboxEvent.objects.filter(type="payment.changed").order_by("pk")
    return [PaymentChanged.from_event(Event.from_outbox(row)) for row in rows]


def test_pay_page_success_sends_the_signed_callback_that_marks_the_payment_paid(wechat, client):
    order = order_create(amount=888)

    response = client.post(order.pay_url, {"result": "success"}, content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json() == {"trade_state": "SUCCESS", "notify_status": 200}
    payment = Payment.objects.get()
    assert payment.status == "success"
    assert payment.transaction_id == sim_order(order.out_trade_no)["transaction_id"] != ""
    assert payment.paid_at is not None
    (event,) = _events()
    assert (event.payment_id, event.status, event.previous_status, event.amount) == (
        payment.pk,
        "success",
        "init",
        888,
    )
    assert (event.biz_type, event.biz_id, event.payer_id) == (
        "reward",
        payment.biz_id,
        payment.payer_id,
    )
    (row,) = PaymentNotification.objects.all()
    assert (row.outcome, row.out_trade_no, row.trade_state) == (
        "applied",
        order.out_trade_no,
        "SUCCESS",
    )
    assert '"ciphertext"' in row.body  # stored raw, as received


def test_pay_page_fail_marks_the_payment_failed(wechat, client):
    order = order_create()

    response = client.post(order.pay_url, {"result": "fail"})  # the page's form

    assert response.json()["trade_state"] == "PAYERROR"
    assert Payment.objects.get().status == "failed"
    assert [e.status for e in _events()] == ["failed"]


def test_pay_page_shows_the_order_and_refuses_a_second_settlement(wechat, client):
    order = order_create(amount=1250)
    page = client.get(order.pay_url)
    assert page.status_code == 200
    assert b"12.50" in page.content
    assert b"Tip" in page.content
    assert b"Pay" in page.content

    client.post(order.pay_url, {"result": "success"}, content_type="application/json")
    again = client.post(order.pay_url, {"result": "fail"}, content_type="application/json")

    assert again.status_code == 409
    assert Payment.objects.get().status == "success"
    bad = client.post(order.pay_url, {"result": "maybe"}, content_type="application/json")
    assert bad.status_code == 400


def test_a_duplicate_callback_is_acknowledged_and_applies_once(wechat):
    order = order_create()
    sim_settle(order.out_trade_no)

    first, second = notify(order.out_trade_no), notify(order.out_trade_no)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == {"code": "SUCCESS", "message": "OK"}
    assert Payment.objects.get().status == "success"
    assert len(_events()) == 1
    assert list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]


def test_a_forged_signature_changes_nothing_and_is_recorded(wechat):
    order = order_create()
    sim_settle(order.out_trade_no)
    headers, body = notification_build(sim_order(order.out_trade_no))
    headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][::-1]

    response = post_notification(headers, body)

    assert response.status_code == 401
    assert response.json()["code"] == "FAIL"
    assert response.json()["extra"] == {"reason": "forged"}
    assert Payment.objects.get().status == "init"
    assert _events() == []
    (row,) = PaymentNotification.objects.all()
    assert (row.outcome, row.nonce, row.out_trade_no) == ("forged", None, "")


def test_a_tampered_body_with_the_original_signature_is_forged(wechat):
    order = order_create()
    sim_settle(order.out_trade_no)
    headers, body = notification_build(sim_order(order.out_trade_no))

    response = post_notification(headers, body.replace('"summary"', '"summary" ', 1))

    assert response.status_code == 401
    assert Payment.objects.get().status == "init"


def test_a_notification_signed_by_another_key_is_forged(wechat, tmp_path, settings):
    from apps.wechat_sim import protocol
    from apps.wechat_sim.keys import simulator_keys

    order = order_create()
    sim_settle(order.out_trade_no)
    headers, body = notification_build(sim_order(order.out_trade_no))
    stranger = simulator_keys(tmp_path)  # another platform key, same serial claimed
    signed = protocol.platform_signature_headers(keys=stranger, body=body)
    headers["Wechatpay-Signature"] = signed["Wechatpay-Signature"]

    assert post_notification(headers, body).status_code == 401
    assert Payment.objects.get().status == "init"
    assert PaymentNotification.objects.get().outcome == "forged"


def test_an_old_notification_replayed_changes_nothing_and_is_recorded(wechat):
    order = order_create()
    sim_settle(order.out_trade_no)

    response = notify(order.out_trade_no, timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert response.json()["extra"] == {"reason": "stale"}
    assert Payment.objects.get().status == "init"
    assert PaymentNotification.objects.get().outcome == "stale"


def test_the_same_signed_request_twice_is_a_replay(wechat):
    order = order_create()
    sim_settle(order.out_trade_no, trade_state="PAYERROR")
    headers, body = notification_build(sim_order(order.out_trade_no))

    first, second = post_notification(headers, body), post_notification(headers, body)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["extra"] == {"reason": "replayed"}
    assert Payment.objects.get().status == "failed"
    assert len(_events()) == 1
    outcomes = list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["applied", "replayed"]


def test_an_authentic_notification_with_another_amount_changes_nothing(wechat):
    from apps.wechat_sim.pay_api import transaction_of

    order = order_create(amount=500)
    settled = sim_settle(order.out_trade_no)
    resource = transaction_of(settled)
    resource["amount"] = {"total": 1, "currency": "CNY", "payer_total": 1}
    headers, body = notification_build(settled, resource=resource)

    response = post_notification(headers, body)

    assert response.status_code == 400
    assert response.json()["extra"] == {"reason": "amount_mismatch"}
    assert Payment.objects.get().status == "init"
    assert _events() == []
    assert PaymentNotification.objects.get().outcome == "amount_mismatch"


def test_a_notification_for_an_unknown_order_is_recorded(wechat):
    from apps.wechat_sim.pay_api import transaction_of

    order = order_create()
    resource = transaction_of(sim_settle(order.out_trade_no)) | {"out_trade_no": "NOSUCH0001"}
    headers, body = notification_build(sim_order(order.out_trade_no), resource=resource)

    assert post_notification(headers, body).json()["extra"] == {"reason": "unknown_order"}
    assert Payment.objects.get().status == "init"


def test_a_late_failure_after_success_is_refused_and_logged(wechat, caplog):
    order = order_create()
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)
    sim_settle(order.out_trade_no, trade_state="PAYERROR")

    response = notify(order.out_trade_no)

    assert response.status_code == 200  # authentic: WeChat need not resend it
    assert Payment.objects.get().status == "success"
    assert [e.status for e in _events()] == ["success"]
    assert PaymentNotification.objects.order_by("-pk").first().outcome == "refused"
    assert "refused transition success -> failed" in caplog.text


def test_a_request_without_signature_headers_is_refused_without_a_record(wechat, client):
    response = client.post(
        "/api/v1/payments/wechat/notify", data=b"nonsense", content_type="text/plain"
    )

    assert response.status_code == 401  # not from WeChat: unauthenticated, as a forged one
    assert response.json()["extra"] == {"reason": "unsigned"}
    assert PaymentNotification.objects.count() == 0


def test_a_signed_body_that_is_not_json_is_recorded_as_forged(wechat):
    from apps.wechat_sim import protocol
    from apps.wechat_sim.pay_api import keys

    headers = protocol.platform_signature_headers(keys=keys(), body="nonsense")

    response = post_notification(headers, "nonsense")

    assert response.status_code == 401
    assert PaymentNotification.objects.get().body == "nonsense"
    assert PaymentNotification.objects.get().outcome == "forged"


def test_outcomes_are_counted_for_metrics(wechat):
    from prometheus_client import REGISTRY

    def count(outcome: str) -> float:
        value = REGISTRY.get_sample_value(
            "scholarnet_payments_notifications_total", {"outcome": outcome}
        )
        return value or 0.0

    order = order_create()
    sim_settle(order.out_trade_no)
    applied, duplicate = count("applied"), count("duplicate")

    notify(order.out_trade_no)
    notify(order.out_trade_no)

    assert (count("applied"), count("duplicate")) == (applied + 1, duplicate + 1)


def test_unknown_serials_refresh_the_certificates_at_most_once_a_minute(wechat, monkeypatch):
    from apps.payments import callbacks

    monkeypatch.setattr(callbacks, "_last_unknown_serial_refresh", [float("-inf")])
    order = order_create()
    sim_settle(order.out_trade_no)
    downloads = sum(1 for call in wechat.calls if call.request.url.endswith("/v3/certificates"))

    for _ in range(3):
        headers, body = notification_build(sim_order(order.out_trade_no))
        headers["Wechatpay-Serial"] = "ABCDEF0123"
        assert post_notification(headers, body).status_code == 401

    calls = sum(1 for call in wechat.calls if call.request.url.endswith("/v3/certificates"))
    assert calls == downloads + 1
    assert Payment.objects.get().status == "init"
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == ["forged"] * 3
    # A notification with the real serial still applies at once.
    assert notify(order.out_trade_no).status_code == 200
    assert Payment.objects.get().status == "success"
