from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

import factory
from django.utils import timezone

from apps.sms.models import SmsMessage
from apps.sms.senders import ProviderError, ProviderTimeout, SmsRequest, SmsResult

_numbers = itertools.count(139_0013_9000)


def phone_number() -> str:
    return f"+86{next(_numbers)}"


class SmsMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsMessage

    phone = factory.LazyFunction(phone_number)
    template = "login_code"
    params = factory.LazyFunction(lambda: {"code": "123456"})
    text = "Your ScholarNet code is 123456. It expires in 10 minutes."
    status = SmsMessage.Status.QUEUED
    next_attempt_at = factory.LazyFunction(timezone.now)


class FakeProvider:
    """A provider double: answers, fails, times out or sleeps as told, and counts its sends.

    ``outcomes`` is consumed one per send ("ok", "error", "timeout"); when it runs out every
    further send gets ``default``.
    """

    def __init__(
        self,
        name: str = "fake",
        *,
        outcomes: list[str] | None = None,
        default: str = "ok",
        delay: float = 0.0,
    ) -> None:
        self.name = name
        self.outcomes = list(outcomes or [])
        self.default = default
        self.delay = delay
        self.requests: list[SmsRequest] = []
        self.per_message: Counter[int | None] = Counter()
        self._lock = threading.Lock()

    def send(self, request: SmsRequest) -> SmsResult:
        with self._lock:
            self.requests.append(request)
            self.per_message[request.message_id] += 1
            outcome = self.outcomes.pop(0) if self.outcomes else self.default
        if self.delay:
            time.sleep(self.delay)
        if outcome == "timeout":
            raise ProviderTimeout(self.name, "timed out")
        if outcome == "error":
            raise ProviderError(self.name, "refused")
        return SmsResult(
            provider=self.name, provider_message_id=f"{self.name}-{len(self.requests)}"
        )
