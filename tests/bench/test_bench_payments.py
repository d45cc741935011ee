"""The payment_notify scenario's data: every pre-signed notification is one the endpoint accepts."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from apps.payments.models import Payment, PaymentNotification
from apps.payments.wechatpay import wechatpay_client_reset
from bench.scenarios import PAYMENT_APIV3_KEY, PAYMENT_MCHID, _payment_check_body
from tests.payments.notify_helpers import post_notification
from tests.wechat_sim.routing import site_over_http

pytestmark = pytest.mark.django_db


def test_the_bench_notifications_verify_and_apply_once_per_payment(tmp_path, settings):
    (tmp_path / "check_body.json").write_text(_payment_check_body())
    call_command("bench_payment_notify", "--dir", str(tmp_path), "--payments", "3", "--count", "6")
    settings.WECHATPAY_MCHID = PAYMENT_MCHID
    settings.WECHATPAY_APIV3_KEY = PAYMENT_APIV3_KEY
    settings.WECHATPAY_PRIVATE_KEY_PATH = str(tmp_path / "merchant_key.pem")
    settings.WECHATPAY_CERT_PATH = str(tmp_path / "merchant_cert.pem")
    settings.WECHATPAY_CERT_DIR = str(tmp_path / "platform-certs")
    settings.PAYMENTS_NOTIFY_MAX_AGE = 3600
    wechatpay_client_reset()
    try:
        with site_over_http() as http:  # any SDK call would show here: the certificate is on disk
            check = post_notification(
                json.loads((tmp_path / "check_headers.json").read_text()), _payment_check_body()
            )
            answers = []
            for line in (tmp_path / "notifications.tsv").read_text().splitlines():
                nonce, timestamp, signature, body = line.split("\t", 3)
                headers = {
                    "Wechatpay-Nonce": nonce,
                    "Wechatpay-Timestamp": timestamp,
                    "Wechatpay-Signature": signature,
                    "Wechatpay-Serial": (tmp_path / "platform-serial").read_text(),
                    "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                }
                answers.append(post_notification(headers, body).status_code)
            assert len(http.calls) == 0
    finally:
        wechatpay_client_reset()

    assert check.status_code == 200
    assert answers == [200] * 6
    assert set(Payment.objects.values_list("status", flat=True)) == {"success"}
    outcomes = sorted(PaymentNotification.objects.values_list("outcome", flat=True))
    assert outcomes == ["applied"] * 3 + ["duplicate"] * 4
