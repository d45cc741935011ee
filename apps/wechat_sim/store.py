"""The simulator's orders: WeChat's side of the books, kept in Redis, not in ScholarNet's database.

WeChat is another system; keeping its state apart means a merchant transaction that is open
while the SDK calls the simulator (SQLite takes its write lock at BEGIN) can never block it.
Each order is one JSON value; changes are compare-and-set under WATCH, so two pay clicks or a
pay racing a close change it once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import redis
from django.utils import timezone
from django_redis import get_redis_connection

KEY_PREFIX = "wechat_sim:order:"
REFUND_KEY_PREFIX = "wechat_sim:refund:"  # out_refund_no → its order's out_trade_no
ORDER_TTL_SECONDS = 30 * 24 * 3600


def _redis() -> redis.Redis:
    return get_redis_connection("default")


def _key(mchid: str, out_trade_no: str) -> str:
    return f"{KEY_PREFIX}{mchid}:{out_trade_no}"


def order_get(*, mchid: str, out_trade_no: str) -> dict[str, Any] | None:
    raw = _redis().get(_key(mchid, out_trade_no))
    return json.loads(raw) if raw else None


def order_find(*, out_trade_no: str) -> dict[str, Any] | None:
    """The order with this number at any merchant (the pay page knows no mchid)."""
    for key in _redis().scan_iter(match=f"{KEY_PREFIX}*:{out_trade_no}", count=1000):
        raw = _redis().get(key)
        if raw:
            return json.loads(raw)
    return None


def order_create(
    *, mchid: str, appid: str, out_trade_no: str, description: str, total: int, notify_url: str
) -> tuple[dict[str, Any], bool]:
    """(order, created): an existing order with this number is returned as it is."""
    order = {
        "mchid": mchid,
        "appid": appid,
        "out_trade_no": out_trade_no,
        "description": description,
        "total": total,
        "notify_url": notify_url,
        "trade_state": "NOTPAY",
        "transaction_id": "",
        "success_time": "",
        "code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(9)}",
        "refunds": {},
        "created_at": timezone.now().isoformat(),
    }
    key = _key(mchid, out_trade_no)
    if _redis().set(key, json.dumps(order), nx=True, ex=ORDER_TTL_SECONDS):
        return order, True
    existing = order_get(mchid=mchid, out_trade_no=out_trade_no)
    assert existing is not None
    return existing, False


def order_change(
    *, mchid: str, out_trade_no: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> dict[str, Any] | None:
    """Apply ``change`` (order → changed order, or None for no change) atomically.

    Returns the order as stored afterwards, or None when there is no such order.
    """
    key = _key(mchid, out_trade_no)
    result: dict[str, Any] | None = None

    def attempt(pipe: redis.client.Pipeline) -> None:
        nonlocal result
        raw = pipe.get(key)
        if not raw:
            result = None
            return
        order = json.loads(raw)
        changed = change(dict(order))
        result = changed or order
        if changed is not None:
            pipe.multi()
            pipe.set(key, json.dumps(changed), ex=ORDER_TTL_SECONDS)

    _redis().transaction(attempt, key)
    return result


def refund_index(*, mchid: str, out_refund_no: str, out_trade_no: str) -> None:
    _redis().set(f"{REFUND_KEY_PREFIX}{mchid}:{out_refund_no}", out_trade_no, ex=ORDER_TTL_SECONDS)


def order_of_refund(*, mchid: str, out_refund_no: str) -> dict[str, Any] | None:
    out_trade_no = _redis().get(f"{REFUND_KEY_PREFIX}{mchid}:{out_refund_no}")
    if not out_trade_no:
        return None
    number = out_trade_no.decode() if isinstance(out_trade_no, bytes) else str(out_trade_no)
    return order_get(mchid=mchid, out_trade_no=number)


def transaction_id_new() -> str:
    return f"4200{timezone.now():%Y%m%d}{secrets.randbelow(10**18):018d}"
