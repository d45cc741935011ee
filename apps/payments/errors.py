"""The payments app's error codes (a closed set; see DESIGN.md §3)."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError


class PaymentNotFound(ApplicationError):
    status_code = 404
    code = "payment_not_found"
    default_detail = "No such payment."


class PaymentInvalid(ApplicationError):
    status_code = 400
    code = "payment_invalid"
    default_detail = "The payment order is not valid."


class PaymentConflict(ApplicationError):
    status_code = 409
    code = "payment_conflict"
    default_detail = "This out_trade_no already belongs to a different order."


class PaymentNotRefundable(ApplicationError):
    status_code = 409
    code = "payment_not_refundable"
    default_detail = "Only a paid payment can be refunded."


class PaymentProviderError(ApplicationError):
    status_code = 502
    code = "payment_provider_error"
    default_detail = "WeChat Pay did not answer as expected; try again."


class WeChatNotifyRefused(ApplicationError):
    """The notify endpoint's refusal, in WeChat's words: ``code`` is WeChat's ``FAIL``."""

    status_code = 400
    code = "FAIL"
    default_detail = "The notification was not applied; extra.reason says why."


class WeChatNotifyForged(WeChatNotifyRefused):
    status_code = 401
    default_detail = "The notification is unsigned, or its signature does not verify."
