from __future__ import annotations

import math

from django.conf import settings

from apps.sms.senders import SmsRequest, SmsResult, SmsSender
from scholarnet.api.errors import RateLimited
from scholarnet.ratelimit import check_rate


class SmsRateLimit:
    """Sliding-window limits per phone number and for the whole site (``SMS_RATE_*``).

    The per-phone window is checked first, so one number being hammered is turned away before it
    uses up the global budget. A refusal is ``RateLimited`` 429 ``sms_rate_limited``. When Redis
    is down the kernel limiter's fail-open/closed policy applies.
    """

    def __init__(
        self,
        inner: SmsSender,
        *,
        per_phone: str | None = None,
        global_rate: str | None = None,
    ) -> None:
        self.inner = inner
        self.per_phone = per_phone or settings.SMS_RATE_PER_PHONE
        self.global_rate = global_rate or settings.SMS_RATE_GLOBAL

    def send(self, request: SmsRequest) -> SmsResult:
        for rate, key in (
            (self.per_phone, f"sms:phone:{request.phone}"),
            (self.global_rate, "sms:global"),
        ):
            decision = check_rate(rate, key)
            if not decision.allowed:
                raise RateLimited(
                    "Too many text messages. Try again later.",
                    retry_after=math.ceil(decision.retry_after),
                    code="sms_rate_limited",
                )
        return self.inner.send(request)
