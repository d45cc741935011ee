"""The simulator's API refuses what WeChat refuses: unsigned or wrongly signed requests."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from apps.wechat_sim import protocol
from apps.wechat_sim.pay_api import keys
from tests.payments.factories import order_create

pytestmark = pytest.mark.django_db

NATIVE = "/wechat-sim/v3/pay/transactions/native"


def test_an_unsigned_request_is_refused():
    response = Client().post(NATIVE, {}, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"


def test_a_request_signed_by_another_merchant_key_is_refused(tmp_path):
    from wechatpayv3.utils import build_authorization, load_private_key

    from apps.wechat_sim.keys import simulator_keys

    stranger = simulator_keys(tmp_path)
    body = {"appid": "a", "mchid": "1900000109", "description": "d", "out_trade_no": "XXXXXX1"}
    authorization = build_authorization(
        "/v3/pay/transactions/native",
        "POST",
        "1900000109",
        keys().merchant.serial_no(),  # the right serial, the wrong key
        load_private_key(stranger.merchant.private_key_pem()),
        data=body,
    )

    response = Client().post(
        NATIVE,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": authorization},
    )

    assert response.status_code == 401


def test_responses_are_signed_by_the_platform_key(wechat):
    order = order_create()  # the SDK verified every answer on the way

    call = next(c for c in wechat.calls if c.request.url.endswith("/native"))
    headers = call.response.headers
    assert headers["Wechatpay-Serial"] == keys().platform.serial_no()
    assert abs(int(headers["Wechatpay-Timestamp"]) - time.time()) < 60
    assert order.code_url in call.response.text


def test_the_platform_certificate_is_served_encrypted(wechat):
    from wechatpayv3.utils import aes_decrypt

    order_create()
    call = next(c for c in wechat.calls if c.request.url.endswith("/v3/certificates"))
    (entry,) = json.loads(call.response.text)["data"]
    encrypted = entry["encrypt_certificate"]
    assert "BEGIN CERTIFICATE" not in call.response.text
    pem = aes_decrypt(
        nonce=encrypted["nonce"],
        ciphertext=encrypted["ciphertext"],
        associated_data=encrypted["associated_data"],
        apiv3_key=keys().apiv3_key,
    )
    assert pem == keys().platform.cert_path.read_text()
    assert protocol.SIGNATURE_TYPE == "WECHATPAY2-SHA256-RSA2048"


def test_the_simulator_notifies_only_this_machine():
    from apps.wechat_sim.notify import NotifyRefused, notification_send

    with pytest.raises(NotifyRefused):
        notification_send({"notify_url": "https://example.com/notify", "out_trade_no": "X"})


def test_the_refund_page_settles_only_a_processing_refund(wechat, client):
    from apps.payments.services import payment_refund
    from tests.payments.notify_helpers import notify, sim_settle

    order = order_create()
    sim_settle(order.out_trade_no)
    notify(order.out_trade_no)
    page = f"/wechat-sim/refund/{order.out_trade_no}"

    assert (
        client.post(page, {"result": "success"}, content_type="application/json").json()["code"]
        == "NO_PROCESSING_REFUND"
    )
    payment_refund(out_trade_no=order.out_trade_no, reason="r")  # answered SUCCESS at once
    assert (
        client.post(page, {"result": "success"}, content_type="application/json").status_code == 409
    )
    assert (
        client.post(page, {"result": "maybe"}, content_type="application/json").status_code == 400
    )
    assert client.post("/wechat-sim/refund/NOSUCH1", {"result": "success"}).status_code == 404
