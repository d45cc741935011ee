"""The WeChat Pay API v3 endpoints the merchant's SDK calls, under ``/wechat-sim/v3/``.

Each request's Authorization signature is verified against the merchant certificate; each 2xx
answer is signed with the platform key, as WeChat does. Errors are WeChat's:
``{"code": "ORDER_NOT_EXIST", "message": …}`` with its HTTP status.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.wechat_sim import protocol, store
from apps.wechat_sim.keys import SimulatorKeys, simulator_keys

MOUNT = "/wechat-sim"  # the SDK signs the path after the gateway, which ends here


@functools.cache
def _keys_for(directory: str) -> SimulatorKeys:
    from pathlib import Path

    return simulator_keys(Path(directory))


def keys() -> SimulatorKeys:
    return _keys_for(str(settings.WECHAT_SIMULATOR_KEY_DIR))  # type: ignore[misc]


def signed(status: int, payload: dict[str, Any] | None) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False) if payload is not None else ""
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in protocol.platform_signature_headers(keys=keys(), body=body).items():
        response[name] = value
    return response


def wechat_error(status: int, code: str, message: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"code": code, "message": message}),
        status=status,
        content_type="application/json",
    )


View = Callable[..., HttpResponse]


def merchant_api(methods: list[str]) -> Callable[[View], View]:
    """Verify the merchant's signature, then call ``view(request, call, data, **kwargs)``."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @require_http_methods(methods)
        @functools.wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            body = request.body.decode("utf-8", errors="replace")
            try:
                call = protocol.verify_merchant_request(
                    keys=keys(),
                    method=request.method or "",
                    path=request.get_full_path().removeprefix(MOUNT),
                    body=body,
                    authorization=request.headers.get("Authorization", ""),
                )
                data = json.loads(body) if body else {}
            except protocol.AuthorizationError as error:
                return wechat_error(401, "SIGN_ERROR", str(error))
            except ValueError:
                return wechat_error(400, "PARAM_ERROR", "the body is not JSON")
            if not isinstance(data, dict):
                return wechat_error(400, "PARAM_ERROR", "the body is not a JSON object")
            return view(request, call, data, **kwargs)

        return wrapped

    return decorate


@merchant_api(["GET"])
def certificates(request: HttpRequest, call: protocol.MerchantCall, data: dict) -> HttpResponse:
    certificate = keys().platform.certificate()
    pem = keys().platform.cert_path.read_text()
    entry = {
        "serial_no": keys().platform.serial_no(),
        "effective_time": certificate.not_valid_before_utc.isoformat(),
        "expire_time": certificate.not_valid_after_utc.isoformat(),
        "encrypt_certificate": protocol.encrypt_resource(
            keys=keys(), plaintext=pem, associated_data="certificate", original_type="certificate"
        ),
    }
    return signed(200, {"data": [entry]})


@merchant_api(["POST"])
def native_prepay(request: HttpRequest, call: protocol.MerchantCall, data: dict) -> HttpResponse:
    amount = data.get("amount") or {}
    total = amount.get("total") if isinstance(amount, dict) else None
    fields = [data.get(name) for name in ("appid", "mchid", "description", "out_trade_no")]
    if not all(isinstance(value, str) and value for value in fields):
        return wechat_error(400, "PARAM_ERROR", "appid, mchid, description, out_trade_no required")
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        return wechat_error(400, "PARAM_ERROR", "amount.total is a positive integer of fen")
    if data["mchid"] != call.mchid:
        return wechat_error(400, "MCH_NOT_EXISTS", "mchid differs from the signing merchant")
    order, _created = store.order_create(
        mchid=call.mchid,
        appid=data["appid"],
        out_trade_no=data["out_trade_no"],
        description=data["description"],
        total=total,
        notify_url=str(data.get("notify_url") or ""),
    )
    if (order["total"], order["description"]) != (total, data["description"]):
        return wechat_error(400, "INVALID_REQUEST", "out_trade_no already used for another order")
    if order["trade_state"] != "NOTPAY":
        return wechat_error(
            400, "ORDERPAID" if order["trade_state"] == "SUCCESS" else "ORDER_CLOSED", ""
        )
    return signed(200, {"code_url": order["code_url"]})


@merchant_api(["GET"])
def order_query(
    request: HttpRequest, call: protocol.MerchantCall, data: dict, out_trade_no: str
) -> HttpResponse:
    order = store.order_get(mchid=call.mchid, out_trade_no=out_trade_no)
    if order is None or request.GET.get("mchid") != call.mchid:
        return wechat_error(404, "ORDER_NOT_EXIST", "no such order")
    return signed(200, transaction_of(order))


@merchant_api(["POST"])
def order_close(
    request: HttpRequest, call: protocol.MerchantCall, data: dict, out_trade_no: str
) -> HttpResponse:
    def close(order: dict[str, Any]) -> dict[str, Any] | None:
        return {**order, "trade_state": "CLOSED"} if order["trade_state"] == "NOTPAY" else None

    order = store.order_change(mchid=call.mchid, out_trade_no=out_trade_no, change=close)
    if order is None:
        return wechat_error(404, "ORDER_NOT_EXIST", "no such order")
    if order["trade_state"] in {"SUCCESS", "REFUND"}:
        return wechat_error(400, "ORDERPAID", "the order is paid")
    return signed(204, None)


@merchant_api(["POST"])
def refund_create(request: HttpRequest, call: protocol.MerchantCall, data: dict) -> HttpResponse:
    """A full refund. Answers ``WECHAT_SIMULATOR_REFUND_STATUS``: ``SUCCESS`` at once (default),
    or ``PROCESSING``, settled later by POST ``/wechat-sim/refund/<out_trade_no>`` (which sends
    the refund notification), as WeChat settles most refunds."""
    out_refund_no, amount = data.get("out_refund_no"), data.get("amount") or {}
    out_trade_no = data.get("out_trade_no")
    if not (isinstance(out_refund_no, str) and isinstance(out_trade_no, str)):
        return wechat_error(400, "PARAM_ERROR", "out_refund_no and out_trade_no required")
    answer = str(settings.WECHAT_SIMULATOR_REFUND_STATUS).upper()
    refused: list[HttpResponse] = []

    def refund(order: dict[str, Any]) -> dict[str, Any] | None:
        if out_refund_no in order["refunds"]:
            return None
        if order["trade_state"] != "SUCCESS":
            refused.append(wechat_error(400, "INVALID_REQUEST", "the order is not paid"))
            return None
        if any(
            r.get("status", "SUCCESS") in {"PROCESSING", "SUCCESS"}
            for r in order["refunds"].values()
        ):
            refused.append(wechat_error(400, "INVALID_REQUEST", "the order is being refunded"))
            return None
        if amount.get("total") != order["total"] or amount.get("refund") != order["total"]:
            refused.append(wechat_error(400, "INVALID_REQUEST", "refund must equal the total"))
            return None
        entry = {
            "refund_id": store.transaction_id_new(),
            "create_time": timezone.now().astimezone(UTC).isoformat(),
            "amount": amount["refund"],
            "status": "PROCESSING",
            "success_time": "",
            "notify_url": str(data.get("notify_url") or order["notify_url"]),
        }
        changed = {**order, "refunds": {**order["refunds"], out_refund_no: entry}}
        return refund_settle(changed, out_refund_no, "SUCCESS") if answer == "SUCCESS" else changed

    order = store.order_change(mchid=call.mchid, out_trade_no=out_trade_no, change=refund)
    if order is None:
        return wechat_error(404, "RESOURCE_NOT_EXISTS", "no such order")
    if refused:
        return refused[0]
    store.refund_index(mchid=call.mchid, out_refund_no=out_refund_no, out_trade_no=out_trade_no)
    return signed(200, refund_of(order, out_refund_no))


@merchant_api(["GET"])
def refund_query(
    request: HttpRequest, call: protocol.MerchantCall, data: dict, out_refund_no: str
) -> HttpResponse:
    order = store.order_of_refund(mchid=call.mchid, out_refund_no=out_refund_no)
    if order is None or out_refund_no not in order["refunds"]:
        return wechat_error(404, "RESOURCE_NOT_EXISTS", "no such refund")
    return signed(200, refund_of(order, out_refund_no))


def refund_settle(order: dict[str, Any], out_refund_no: str, status: str) -> dict[str, Any]:
    """``order`` with its refund ``out_refund_no`` settled (SUCCESS, CLOSED or ABNORMAL)."""
    entry = {**order["refunds"][out_refund_no], "status": status}
    changed = {**order, "refunds": {**order["refunds"], out_refund_no: entry}}
    if status == "SUCCESS":
        entry["success_time"] = timezone.now().astimezone(UTC).isoformat()
        changed["trade_state"] = "REFUND"
    return changed


def refund_of(order: dict[str, Any], out_refund_no: str) -> dict[str, Any]:
    """A refund as WeChat's refund answer and query describe it."""
    entry = order["refunds"][out_refund_no]
    described = {
        "refund_id": entry["refund_id"],
        "out_refund_no": out_refund_no,
        "transaction_id": order["transaction_id"],
        "out_trade_no": order["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": entry["create_time"],
        "status": entry.get("status", "SUCCESS"),
        "amount": {
            "total": order["total"],
            "refund": entry["amount"],
            "payer_total": order["total"],
            "payer_refund": entry["amount"],
            "currency": "CNY",
        },
    }
    if entry.get("success_time"):
        described["success_time"] = entry["success_time"]
    return described


def transaction_of(order: dict[str, Any]) -> dict[str, Any]:
    """An order as WeChat's query and notification describe it."""
    described = {
        "appid": order["appid"],
        "mchid": order["mchid"],
        "out_trade_no": order["out_trade_no"],
        "trade_type": "NATIVE",
        "trade_state": order["trade_state"],
        "trade_state_desc": order["trade_state"],
        "amount": {"total": order["total"], "currency": "CNY"},
    }
    if order["transaction_id"]:
        described["transaction_id"] = order["transaction_id"]
        described["bank_type"] = "OTHERS"
        described["success_time"] = order["success_time"]
        described["payer"] = {"openid": "o-simulated-payer"}
        described["amount"] |= {"payer_total": order["total"], "payer_currency": "CNY"}
    return described
