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
from apps.wechat_sim.pay_api import keys, transaction_of

logger = logging.getLogger(__name__)

# The simulator only ever calls this machine (or the test client's host).
LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver"}
EVENT_TYPES = {"SUCCESS": "TRANSACTION.SUCCESS", "PAYERROR": "TRANSACTION.PAYERROR"}


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


def notification_send(order: dict[str, Any]) -> int:
    """POST the notification to the order's notify_url; returns the merchant's HTTP status."""
    url = order["notify_url"]
    if urlsplit(url).hostname not in LOCAL_HOSTS:
        raise NotifyRefused(f"the simulator only notifies this machine, not {url!r}")
    headers, body = notification_build(order)
    response = requests.post(url, data=body.encode(), headers=headers, timeout=10)
    logger.info("notified %s of %s: %s", url, order["out_trade_no"], response.status_code)
    return response.status_code
