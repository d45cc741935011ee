"""``/wechat-sim/pay/<out_trade_no>``: the page a payer would see after scanning the QR code.

GET shows the order with Pay and Fail buttons; POST ``{"result": "success" | "fail"}`` (JSON or
a form) settles it and sends the signed notification, as WeChat would after the payer confirms.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.wechat_sim import store
from apps.wechat_sim.notify import NotifyRefused, notification_send, refund_notification_send
from apps.wechat_sim.pay_api import refund_settle

RESULTS = {"success": "SUCCESS", "fail": "PAYERROR"}
REFUND_RESULTS = {"success": "SUCCESS", "closed": "CLOSED", "abnormal": "ABNORMAL"}


@csrf_exempt  # WeChat's page, not ScholarNet's: no session, nothing of ours to forge
@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    order = store.order_find(out_trade_no=out_trade_no)
    if order is None:
        return JsonResponse({"code": "ORDER_NOT_EXIST", "message": "no such order"}, status=404)
    if request.method == "GET":
        return render(
            request, "wechat_sim/pay.html", {"order": order, "yuan": order["total"] / 100}
        )
    result = _result_of(request)
    if result not in RESULTS:
        return JsonResponse(
            {"code": "PARAM_ERROR", "message": 'result is "success" or "fail"'}, status=400
        )
    settled = store.order_change(
        mchid=order["mchid"], out_trade_no=out_trade_no, change=_settle(RESULTS[result])
    )
    assert settled is not None
    if settled["trade_state"] != RESULTS[result]:
        return JsonResponse(
            {"code": "ORDER_SETTLED", "message": f"the order is {settled['trade_state']}"},
            status=409,
        )
    try:
        notify_status = notification_send(settled)
    except (NotifyRefused, OSError) as error:
        return JsonResponse({"code": "NOTIFY_FAILED", "message": str(error)}, status=502)
    return JsonResponse({"trade_state": settled["trade_state"], "notify_status": notify_status})


@csrf_exempt
@require_http_methods(["POST"])
def refund_page(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """Settle the order's refund still ``PROCESSING``: POST ``{"result": "success" | "closed" |
    "abnormal"}``, then send the signed, encrypted refund notification, as WeChat does later."""
    order = store.order_find(out_trade_no=out_trade_no)
    if order is None:
        return JsonResponse({"code": "ORDER_NOT_EXIST", "message": "no such order"}, status=404)
    result = _result_of(request)
    if result not in REFUND_RESULTS:
        return JsonResponse(
            {"code": "PARAM_ERROR", "message": 'result is "success", "closed" or "abnormal"'},
            status=400,
        )
    settled_no: list[str] = []

    def settle(current: dict[str, Any]) -> dict[str, Any] | None:
        for number, refund in current["refunds"].items():
            if refund.get("status") == "PROCESSING":
                settled_no.append(number)
                return refund_settle(current, number, REFUND_RESULTS[result])
        return None

    settled = store.order_change(mchid=order["mchid"], out_trade_no=out_trade_no, change=settle)
    if settled is None or not settled_no:
        return JsonResponse(
            {"code": "NO_PROCESSING_REFUND", "message": "no refund is processing"}, status=409
        )
    try:
        notify_status = refund_notification_send(settled, settled_no[0])
    except (NotifyRefused, OSError) as error:
        return JsonResponse({"code": "NOTIFY_FAILED", "message": str(error)}, status=502)
    return JsonResponse(
        {
            "out_refund_no": settled_no[0],
            "refund_status": REFUND_RESULTS[result],
            "notify_status": notify_status,
        }
    )


def _result_of(request: HttpRequest) -> str:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return ""
        return str(data.get("result", "")) if isinstance(data, dict) else ""
    return request.POST.get("result", "")


def _settle(trade_state: str):  # type: ignore[no-untyped-def]
    def settle(order: dict[str, Any]) -> dict[str, Any] | None:
        if order["trade_state"] != "NOTPAY":
            return None
        from django.utils import timezone

        changed = {**order, "trade_state": trade_state}
        if trade_state == "SUCCESS":
            changed["transaction_id"] = store.transaction_id_new()
            changed["success_time"] = timezone.now().isoformat()
        return changed

    return settle
