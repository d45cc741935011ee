"""Building and sending WeChat notifications in tests, with the simulator's own signer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client

from apps.wechat_sim import store
from apps.wechat_sim.notify import notification_build

NOTIFY_PATH = "/api/v1/payments/wechat/notify"


def sim_order(out_trade_no: str) -> dict[str, Any]:
    order = store.order_get(mchid=settings.WECHATPAY_MCHID, out_trade_no=out_trade_no)
    assert order is not None
    return order


def sim_settle(out_trade_no: str, trade_state: str = "SUCCESS") -> dict[str, Any]:
    """Mark the simulator's order paid (or failed) without notifying: a lost callback."""

    def settle(order: dict[str, Any]) -> dict[str, Any]:
        return {
            **order,
            "trade_state": trade_state,
            "transaction_id": store.transaction_id_new() if trade_state == "SUCCESS" else "",
            "success_time": "2026-12-02T12:00:00+08:00",
        }

    order = store.order_change(
        mchid=settings.WECHATPAY_MCHID, out_trade_no=out_trade_no, change=settle
    )
    assert order is not None
    return order


def post_notification(headers: dict[str, str], body: str) -> Any:
    return Client().post(
        NOTIFY_PATH,
        data=body.encode(),
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def notify(out_trade_no: str, **build: Any) -> Any:
    headers, body = notification_build(sim_order(out_trade_no), **build)
    return post_notification(headers, body)
