"""Payment writes: native prepay, status transitions, refresh, refund and reconciliation.

Every status change goes through :func:`payment_transition`: a compare-and-set UPDATE on the
status the caller read, so concurrent callbacks, a callback racing the reconciliation and a
repeated refund all apply once, each applied change publishing ``payment.changed`` in its
transaction. The WeChat calls (``wechatpayv3``) happen outside any transaction of ours: they are
HTTP round trips, and the order row must exist before WeChat hears of it.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wechatpayv3 import WeChatPayType

from apps.payments.errors import (
    PaymentConflict,
    PaymentInvalid,
    PaymentNotFound,
    PaymentNotRefundable,
    PaymentProviderError,
)
from apps.payments.events import PaymentChanged
from apps.payments.metrics import TRANSITIONS
from apps.payments.models import (
    Payment,
    PaymentNotification,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from apps.payments.states import TRADE_STATES, transition_allowed
from apps.payments.wechatpay import wechatpay_client
from scholarnet.events.payloads import publish_event

logger = logging.getLogger(__name__)

OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_\-|*]{6,32}$")  # WeChat's rule for out_trade_no
DESCRIPTION_MAX_LENGTH = 127


@dataclass(frozen=True)
class PaymentOrder:
    payment_id: int
    out_trade_no: str
    code_url: str
    pay_url: str | None  # the simulator's pay page, when the simulator is on
    status: str


class Transition(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # already in the target status: nothing to do
    REFUSED = "refused"  # not a legal transition from the current status


# --- Native prepay ------------------------------------------------------------------------------


def payment_native_create(
    *,
    out_trade_no: str,
    amount: int,
    description: str,
    payer_id: int,
    biz_type: str,
    biz_id: int,
) -> PaymentOrder:
    """Create (or return, on a repeated ``out_trade_no``) a Native order and its ``code_url``.

    Idempotent: the same ``out_trade_no`` with the same order returns the same payment and
    code_url without a second row; with a different amount, payer or business object it is a
    ``PaymentConflict``. A failed prepay leaves the row ``init`` without a code_url, and the next
    call retries it. Makes an HTTP call: call it outside your own transaction.
    """
    _check_order(out_trade_no=out_trade_no, amount=amount, description=description)
    order = {"amount": amount, "payer_id": payer_id, "biz_type": biz_type, "biz_id": biz_id}
    payment = _payment_get_or_create(out_trade_no=out_trade_no, description=description, **order)
    if any(getattr(payment, name) != value for name, value in order.items()):
        raise PaymentConflict(extra={"out_trade_no": out_trade_no})
    if payment.status == PaymentStatus.INIT and not payment.code_url:
        payment.code_url = _prepay(payment)
        Payment.objects.filter(pk=payment.pk, code_url="").update(code_url=payment.code_url)
    return _order_of(payment)


def _check_order(*, out_trade_no: str, amount: int, description: str) -> None:
    if not OUT_TRADE_NO.match(out_trade_no):
        raise PaymentInvalid("out_trade_no is 6-32 letters, digits or _-|*.")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise PaymentInvalid("amount is a positive number of fen.")
    if not description or len(description) > DESCRIPTION_MAX_LENGTH:
        raise PaymentInvalid(f"description is 1-{DESCRIPTION_MAX_LENGTH} characters.")


def _payment_get_or_create(*, out_trade_no: str, description: str, **order: Any) -> Payment:
    try:
        with transaction.atomic():
            payment, _ = Payment.objects.get_or_create(
                out_trade_no=out_trade_no, defaults={"description": description, **order}
            )
    except IntegrityError:  # created concurrently by the same request repeated
        payment = Payment.objects.get(out_trade_no=out_trade_no)
    return payment


def _prepay(payment: Payment) -> str:
    code, body = _call(
        "pay",
        description=payment.description,
        out_trade_no=payment.out_trade_no,
        amount={"total": payment.amount, "currency": "CNY"},
        pay_type=WeChatPayType.NATIVE,
    )
    if code != 200 or "code_url" not in body:
        logger.error("prepay of %s answered %s: %s", payment.out_trade_no, code, body)
        raise PaymentProviderError(extra={"wechat_status": code})
    return str(body["code_url"])


def _order_of(payment: Payment) -> PaymentOrder:
    pay_url = None
    if settings.WECHAT_SIMULATOR_ENABLED:
        pay_url = settings.WECHAT_SIMULATOR_PAY_URL.format(out_trade_no=payment.out_trade_no)
    return PaymentOrder(
        payment_id=payment.pk,
        out_trade_no=payment.out_trade_no,
        code_url=payment.code_url,
        pay_url=pay_url,
        status=str(payment.status),  # the value, not the enum member
    )


# --- Transitions --------------------------------------------------------------------------------


def payment_transition(
    *, payment: Payment, target: str, transaction_id: str = "", refund_reason: str = ""
) -> Transition:
    """Move ``payment`` to ``target`` if the state machine allows it, exactly once.

    ``payment`` is refreshed in place. A refused transition is logged and changes nothing.
    """
    for _attempt in range(3):
        current = payment.status
        if current == target:
            return Transition.DUPLICATE
        if not transition_allowed(current=current, target=target):
            logger.warning(
                "payment %s: refused transition %s -> %s", payment.out_trade_no, current, target
            )
            TRANSITIONS.labels(target=target, result="refused").inc()
            return Transition.REFUSED
        if _compare_and_set(
            payment,
            current=current,
            target=target,
            transaction_id=transaction_id,
            refund_reason=refund_reason,
        ):
            return Transition.APPLIED
        payment.refresh_from_db(fields=["status", "transaction_id", "paid_at", "updated_at"])
    raise RuntimeError(f"payment {payment.pk} kept changing under a transition")


def _compare_and_set(
    payment: Payment, *, current: str, target: str, transaction_id: str, refund_reason: str
) -> bool:
    now = timezone.now()
    changes: dict[str, Any] = {"status": target, "updated_at": now}
    if target == PaymentStatus.SUCCESS:
        changes["paid_at"] = now
    if transaction_id:
        changes["transaction_id"] = transaction_id
    if refund_reason:
        changes["refund_reason"] = refund_reason[:80]
    with transaction.atomic():
        if not Payment.objects.filter(pk=payment.pk, status=current).update(**changes):
            return False
        for name, value in changes.items():
            setattr(payment, name, value)
        publish_event(_changed(payment, previous_status=current, occurred_at=now))
    logger.info("payment %s: %s -> %s", payment.out_trade_no, current, target)
    TRANSITIONS.labels(target=target, result="applied").inc()
    return True


def _changed(payment: Payment, *, previous_status: str, occurred_at: datetime) -> PaymentChanged:
    return PaymentChanged(
        payment_id=payment.pk,
        out_trade_no=payment.out_trade_no,
        biz_type=payment.biz_type,
        biz_id=payment.biz_id,
        payer_id=payment.payer_id,
        amount=payment.amount,
        status=payment.status,
        previous_status=previous_status,
        occurred_at=occurred_at,
    )


# --- Asking WeChat ------------------------------------------------------------------------------


def payment_refresh(*, out_trade_no: str) -> str:
    """The payment's status, asking WeChat first while it is still ``init``."""
    payment = _payment_get(out_trade_no=out_trade_no)
    if payment.status == PaymentStatus.INIT and payment.code_url:
        trade = _query(payment)
        target = TRADE_STATES.get(trade.get("trade_state", ""))
        if target is not None and _amount_matches(payment, trade):
            payment_transition(
                payment=payment, target=target, transaction_id=trade.get("transaction_id", "")
            )
    return payment.status


def payment_refund(*, out_trade_no: str, reason: str) -> str:
    """Refund a paid payment in full through WeChat; returns where the refund stands.

    ``refunded`` once WeChat reported the refund ``SUCCESS`` (the payment moved to
    ``refunded``, which reverses the ledger through ``payment.changed``); ``processing`` while
    WeChat is still on it (its refund notification or the reconciliation's refund query settles
    it later); ``failed`` when WeChat closed it or found it abnormal (the payment stays paid;
    asking again starts a new refund). A refund still processing is asked about again, never
    started twice: its number is derived from the order's and the attempt, so a repeated
    request is the same refund to WeChat too.
    """
    payment = _payment_get(out_trade_no=out_trade_no)
    if payment.status == PaymentStatus.REFUNDED:
        return REFUNDED
    if payment.status != PaymentStatus.SUCCESS:
        raise PaymentNotRefundable(extra={"status": payment.status})
    refund = _refund_open(payment, reason=reason)
    code, body = _call(
        "refund",
        out_refund_no=refund.out_refund_no,
        amount={"refund": refund.amount, "total": payment.amount, "currency": "CNY"},
        out_trade_no=payment.out_trade_no,
        reason=refund.reason or None,
    )
    if code != 200 or body.get("status") not in REFUND_STATES:
        logger.error("refund of %s answered %s: %s", payment.out_trade_no, code, body)
        raise PaymentProviderError(extra={"wechat_status": code})
    refund_apply(refund=refund, wechat=body)
    return _refund_outcome(refund)


REFUNDED = "refunded"  # payment_refund's answer once the refund succeeded
# WeChat's refund status → ours. PROCESSING keeps the refund processing.
REFUND_STATES: dict[str, str] = {
    "PROCESSING": RefundStatus.PROCESSING,
    "SUCCESS": RefundStatus.SUCCESS,
    "CLOSED": RefundStatus.FAILED,
    "ABNORMAL": RefundStatus.FAILED,
}


def _refund_outcome(refund: Refund) -> str:
    return REFUNDED if refund.status == RefundStatus.SUCCESS else str(refund.status)


def _refund_open(payment: Payment, *, reason: str) -> Refund:
    """The payment's refund in progress, or a new one after a failed one (under its row lock)."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        latest = Refund.objects.filter(payment=locked).order_by("-attempt").first()
        if latest is not None and latest.status != RefundStatus.FAILED:
            return latest
        attempt = latest.attempt + 1 if latest is not None else 1
        suffix = "-refund" if attempt == 1 else f"-refund{attempt}"
        return Refund.objects.create(
            payment=locked,
            attempt=attempt,
            out_refund_no=f"{locked.out_trade_no}{suffix}",
            amount=locked.amount,
            reason=reason[:80],
        )


def refund_apply(*, refund: Refund, wechat: dict[str, Any]) -> Transition:
    """Apply WeChat's word on ``refund`` (a refund answer, query or notification), once.

    ``processing → success`` moves the payment to ``refunded`` in the same transaction (its
    event reverses the ledger); ``processing → failed`` changes nothing else. A refund already
    settled is not moved again (a late or repeated notification is a duplicate).
    """
    target = REFUND_STATES.get(str(wechat.get("status") or wechat.get("refund_status") or ""))
    if target is None or target == RefundStatus.PROCESSING:
        return Transition.DUPLICATE
    if refund.status != RefundStatus.PROCESSING:
        if refund.status == target:
            return Transition.DUPLICATE
        logger.warning(
            "refund %s: refused transition %s -> %s", refund.out_refund_no, refund.status, target
        )
        return Transition.REFUSED
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": target,
        "wechat_status": str(wechat.get("status") or wechat.get("refund_status"))[:16],
        "finished_at": now,
        "updated_at": now,
    }
    if wechat.get("refund_id"):
        changes["refund_id"] = str(wechat["refund_id"])[:64]
    with transaction.atomic():
        if not Refund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING).update(
            **changes
        ):
            refund.refresh_from_db()
            return Transition.DUPLICATE if refund.status == target else Transition.REFUSED
        for name, value in changes.items():
            setattr(refund, name, value)
        if target == RefundStatus.SUCCESS:
            payment = Payment.objects.get(pk=refund.payment_id)
            payment_transition(
                payment=payment, target=PaymentStatus.REFUNDED, refund_reason=refund.reason
            )
    logger.info("refund %s: processing -> %s", refund.out_refund_no, target)
    return Transition.APPLIED


def refund_refresh(*, refund: Refund) -> str:
    """Ask WeChat about a refund still processing and apply the answer; returns its status."""
    if refund.status != RefundStatus.PROCESSING:
        return str(refund.status)
    code, body = _call("query_refund", out_refund_no=refund.out_refund_no)
    if code != 200:
        raise PaymentProviderError(extra={"wechat_status": code})
    refund_apply(refund=refund, wechat=body)
    return str(refund.status)


def _payment_get(*, out_trade_no: str) -> Payment:
    try:
        return Payment.objects.get(out_trade_no=out_trade_no)
    except Payment.DoesNotExist:
        raise PaymentNotFound(extra={"out_trade_no": out_trade_no}) from None


def _query(payment: Payment) -> dict[str, Any]:
    code, body = _call("query", out_trade_no=payment.out_trade_no)
    if code == 404:  # WeChat never heard of it (the prepay was lost)
        return {"trade_state": "NOTEXIST"}
    if code != 200:
        raise PaymentProviderError(extra={"wechat_status": code})
    return body


def _amount_matches(payment: Payment, trade: dict[str, Any]) -> bool:
    total = (trade.get("amount") or {}).get("total")
    if trade.get("trade_state") in {"SUCCESS", "REFUND"} and total != payment.amount:
        logger.error("payment %s: WeChat reports %s fen", payment.out_trade_no, total)
        return False
    return True


def _call(method: str, **arguments: Any) -> tuple[int, dict[str, Any]]:
    """One SDK call: (HTTP status, parsed JSON body); transport and signature failures → 502."""
    try:
        code, text = getattr(wechatpay_client(), method)(**arguments)
    except Exception as error:  # the SDK raises bare Exception for a bad response signature
        logger.exception("WeChat Pay %s failed", method)
        raise PaymentProviderError() from error
    try:
        body = json.loads(text) if text else {}
    except (TypeError, ValueError):
        body = {}
    return code, body if isinstance(body, dict) else {}


# --- Reconciliation -----------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    completed: int = 0
    closed: int = 0
    unchanged: int = 0
    refunds_checked: int = 0
    refunds_succeeded: int = 0
    refunds_failed: int = 0
    refunds_unchanged: int = 0


def payments_reconcile(
    *, older_than: timedelta | None = None, page_size: int = 100
) -> ReconcileReport:
    """Ask WeChat about every payment still ``init`` after ``PAYMENTS_RECONCILE_AFTER``, and
    about every refund still ``processing`` after as long.

    Paid ones (a lost callback) complete; unpaid ones are closed at WeChat, then here. A refund
    WeChat reports SUCCESS completes (the payment moves to ``refunded``), one it reports CLOSED
    or ABNORMAL fails, one still PROCESSING waits for the next run. Pages by primary key, so a
    long run holds no transaction and resumes where it is.
    """
    cutoff = timezone.now() - (older_than or timedelta(seconds=settings.PAYMENTS_RECONCILE_AFTER))
    report, after = ReconcileReport(), 0
    while True:
        page = list(
            Payment.objects.filter(
                status=PaymentStatus.INIT, created_at__lt=cutoff, pk__gt=after
            ).order_by("pk")[:page_size]
        )
        for payment in page:
            _reconcile_one(payment, report)
        if len(page) < page_size:
            break
        after = page[-1].pk
    after = 0
    while True:
        refunds = list(
            Refund.objects.filter(
                status=RefundStatus.PROCESSING, created_at__lt=cutoff, pk__gt=after
            ).order_by("pk")[:page_size]
        )
        for refund in refunds:
            _reconcile_refund(refund, report)
        if len(refunds) < page_size:
            return report
        after = refunds[-1].pk


def _reconcile_refund(refund: Refund, report: ReconcileReport) -> None:
    report.refunds_checked += 1
    try:
        status = refund_refresh(refund=refund)
    except PaymentProviderError:
        status = RefundStatus.PROCESSING
    if status == RefundStatus.SUCCESS:
        report.refunds_succeeded += 1
    elif status == RefundStatus.FAILED:
        report.refunds_failed += 1
    else:
        report.refunds_unchanged += 1


def _reconcile_one(payment: Payment, report: ReconcileReport) -> None:
    report.checked += 1
    try:
        trade = _query(payment) if payment.code_url else {"trade_state": "NOTEXIST"}
        state = trade.get("trade_state", "")
        if state in {"NOTPAY", "USERPAYING"}:
            code, _body = _call("close", out_trade_no=payment.out_trade_no)
            state = "CLOSED" if code in {200, 204} else state
        elif state == "NOTEXIST":
            state = "CLOSED"
        target = TRADE_STATES.get(state)
        if target is None or not _amount_matches(payment, trade):
            report.unchanged += 1
            return
        applied = payment_transition(
            payment=payment, target=target, transaction_id=trade.get("transaction_id", "")
        )
    except PaymentProviderError:
        report.unchanged += 1
        return
    if applied is Transition.APPLIED and target == PaymentStatus.CLOSED:
        report.closed += 1
    elif applied is Transition.APPLIED:
        report.completed += 1
    else:
        report.unchanged += 1


# --- Pruning ------------------------------------------------------------------------------------


def payment_notifications_prune(
    *, older_than_days: int | None = None, batch_size: int = 1000
) -> int:
    """Delete notification records past ``PAYMENTS_NOTIFICATION_RETENTION_DAYS``, in batches.

    The records are the audit trail of what WeChat (or anyone) sent; the payments and refunds
    themselves keep their outcome. Each batch is its own short DELETE by primary key, so the
    job never holds a long lock on the table the notify endpoint writes to.
    """
    days = (
        settings.PAYMENTS_NOTIFICATION_RETENTION_DAYS
        if older_than_days is None
        else older_than_days
    )
    old = PaymentNotification.objects.filter(received_at__lt=timezone.now() - timedelta(days=days))
    deleted = 0
    while ids := list(old.order_by("id").values_list("id", flat=True)[:batch_size]):
        deleted += PaymentNotification.objects.filter(id__in=ids).delete()[0]
    return deleted
