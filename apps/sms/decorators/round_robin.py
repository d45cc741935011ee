from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from django_redis import get_redis_connection

from apps.sms.decorators import redis_key
from apps.sms.senders import (
    ProviderError,
    SmsDeliveryFailed,
    SmsRequest,
    SmsResult,
    SmsSender,
)

logger = logging.getLogger(__name__)


class RoundRobinFailover:
    """Sends through the providers in turn; a provider that fails hands over to the next.

    Each send starts at ``request.preferred_provider`` when a layer above chose one (the
    timeout failover does), otherwise at the next provider of a rotation shared through Redis,
    which spreads the load over all of them. A timed-out provider is also passed over: the text
    may then arrive twice, which is better than a code that never arrives. When every provider
    failed it raises ``SmsDeliveryFailed`` with each provider's error.
    """

    def __init__(self, providers: Sequence[SmsSender], names: Sequence[str]) -> None:
        if not providers or len(providers) != len(names):
            raise ValueError("round robin needs at least one provider, each with a name")
        self.providers = list(providers)
        self.names = list(names)

    def send(self, request: SmsRequest) -> SmsResult:
        start = self._start(request)
        failures: list[ProviderError] = []
        for offset in range(len(self.providers)):
            provider = self.providers[(start + offset) % len(self.providers)]
            try:
                result = provider.send(request)
            except ProviderError as error:
                logger.warning("SMS provider failed, trying the next one: %s", error)
                failures.append(error)
                continue
            return replace(result, failures=tuple(failures))
        raise SmsDeliveryFailed(failures)

    def _start(self, request: SmsRequest) -> int:
        if request.preferred_provider in self.names:
            return self.names.index(request.preferred_provider)
        if len(self.providers) == 1:
            return 0
        turn = get_redis_connection("default").incr(redis_key("round_robin"))
        return (int(turn) - 1) % len(self.providers)


class PreferredProvider:
    """The base of a chain without round robin: the preferred provider, else the first."""

    def __init__(self, providers: Sequence[SmsSender], names: Sequence[str]) -> None:
        self.by_name = dict(zip(names, providers, strict=True))
        self.first = providers[0]

    def send(self, request: SmsRequest) -> SmsResult:
        provider = self.by_name.get(request.preferred_provider or "", self.first)
        return provider.send(request)
