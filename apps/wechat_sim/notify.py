"""The payment notification WeChat sends the merchant's ``notify_url``: signed and encrypted."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils import timezone

from apps.wechat_sim import protocol
from apps.wechat_sim.pay_api import keys, refund_of, transaction_of

logger = logging.getLogger(__name__)

# The simulator only ever calls this machine (or the test client's host).
LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver"}
EVENT_TYPES = {"SUCCESS": "TRANSACTION.SUCCESS", "PAYERROR": "TRANSACTION.PAYERROR"}
REFUND_SUMMARIES = {"SUCCESS": "退款成功", "CLOSED": "退款关闭", "ABNORMAL": "退款异常"}


class NotifyRefused(Exception):
    pass


def notification_build(
    order: dict[str, Any], *, timestamp: int | None = None, resource: dict[str, Any] | None = None
) -> tuple[dict[str, str], str]:
    """(headers, body) of the notification of ``order``'s current state.

    ``resource`` replaces the described transaction (tests forge amounts with it).
    """
    plaintext = json.dumps(resource or transaction_of(order), ensure_ascii=False)
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "create_time": timezone.now().isoformat(),
            "resource_type": "encrypt-resource",
            "event_type": EVENT_TYPES.get(order["trade_state"], "TRANSACTION.SUCCESS"),
            "summary": "支付成功" if order["trade_state"] == "SUCCESS" else "支付失败",
            "resource": protocol.encrypt_resource(
                keys=keys(),
                plaintext=plaintext,
                associated_data="transaction",
                original_type="transaction",
            ),
        },
        ensure_ascii=False,
    )
    headers = protocol.platform_signature_headers(keys=keys(), body=body, timestamp=timestamp)
    return {**headers, "Content-Type": "application/json"}, body


def refund_notification_build(
    order: dict[str, Any],
    out_refund_no: str,
    *,
    timestamp: int | None = None,
    resource: dict[str, Any] | None = None,
) -> tuple[dict[str, str], str]:
    """(headers, body) of the refund notification (``REFUND.SUCCESS`` …) of a settled refund.

    The same envelope as a payment notification: signed, resource AES-256-GCM encrypted with
    ``associated_data`` "refund". ``resource`` replaces the described refund (tests forge it).
    """
    refund = refund_of(order, out_refund_no)
    status = refund["status"]
    described = {
        "mchid": order["mchid"],
        "out_trade_no": order["out_trade_no"],
        "transaction_id": order["transaction_id"],
        "out_refund_no": out_refund_no,
        "refund_id": refund["refund_id"],
        "refund_status": status,
        "user_received_account": refund["user_received_account"],
        "amount": {k: v for k, v in refund["amount"].items() if k != "currency"},
    }
    if refund.get("success_time"):
        described["success_time"] = refund["success_time"]
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "create_time": timezone.now().isoformat(),
            "resource_type": "encrypt-resource",
            "event_type": f"REFUND.{status}",
            "summary": REFUND_SUMMARIES.get(status, status),
            "resource": protocol.encrypt_resource(
                keys=keys(),
                plaintext=json.dumps(resource or described, ensure_ascii=False),
                associated_data="refund",
                original_type="refund",
            ),
        },
        ensure_ascii=False,
    )
    headers = protocol.platform_signature_headers(keys=keys(), body=body, timestamp=timestamp)
    return {**headers, "Content-Type": "application/json"}, body


def refund_notification_send(order: dict[str, Any], out_refund_no: str) -> int:
    """POST the refund notification to the refund's notify_url; the merchant's HTTP status."""
    url = order["refunds"][out_refund_no].get("notify_url") or order["notify_url"]
    _check_local(url)
    headers, body = refund_notification_build(order, out_refund_no)
    return _post(url, headers, body, what=out_refund_no)


def notification_send(order: dict[str, Any]) -> int:
    """POST the notification to the order's notify_url; returns the merchant's HTTP status."""
    _check_local(order["notify_url"])
    headers, body = notification_build(order)
    return _post(order["notify_url"], headers, body, what=order["out_trade_no"])


def _check_local(url: str) -> None:
    if urlsplit(url).hostname not in LOCAL_HOSTS:
        raise NotifyRefused(f"the simulator only notifies this machine, not {url!r}")


def _post(url: str, headers: dict[str, str], body: str, *, what: str) -> int:
    response = requests.post(url, data=body.encode(), headers=headers, timeout=10)
    logger.info("notified %s of %s: %s", url, what, response.status_code)
    return response.status_code
