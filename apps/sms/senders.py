"""The one interface that every SMS provider and every decorator around them implements.

A sender takes an :class:`SmsRequest` and returns an :class:`SmsResult` or raises. Providers raise
:class:`ProviderError` (:class:`ProviderTimeout` when the provider did not answer in time); the
failover layer turns "every provider failed" into :class:`SmsDeliveryFailed`, a 503 for the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from scholarnet.api.errors import PermissionDenied, ServiceUnavailable

if TYPE_CHECKING:
    from apps.sms.models import SmsMessage


@dataclass(frozen=True)
class SmsRequest:
    phone: str
    # A template name from SMS_TEMPLATES. Above the template_auth layer it is the signed token
    # that carries the name; template_auth verifies it and passes the bare name on.
    template: str
    params: Mapping[str, str] = field(default_factory=dict)
    # The provider to try first; set by timeout_failover, honoured by round_robin.
    preferred_provider: str | None = None
    # The SmsMessage row of a queued message that a worker is delivering.
    message_id: int | None = None


@dataclass(frozen=True)
class SmsResult:
    provider: str = ""
    provider_message_id: str = ""
    # True when the message was stored for the workers instead of being sent now.
    queued: bool = False
    message: SmsMessage | None = None
    # Providers that failed before ``provider`` succeeded.
    failures: tuple[ProviderError, ...] = ()


class SmsSender(Protocol):
    def send(self, request: SmsRequest) -> SmsResult: ...


class ProviderError(Exception):
    """One provider could not send one message."""

    timeout = False

    def __init__(self, provider: str, message: str) -> None:
        self.provider = provider
        self.message = message
        super().__init__(f"{provider}: {message}")


class ProviderTimeout(ProviderError):
    """The provider did not answer in time; the message may or may not have gone out."""

    timeout = True


class SmsDeliveryFailed(ServiceUnavailable):
    code = "sms_unavailable"
    default_detail = "The text message could not be sent. Try again later."

    def __init__(self, failures: tuple[ProviderError, ...] | list[ProviderError]) -> None:
        self.failures = tuple(failures)
        super().__init__()

    def __str__(self) -> str:
        return "; ".join(str(failure) for failure in self.failures) or self.detail


class TemplateNotAuthorised(PermissionDenied):
    code = "sms_template_not_authorised"
    default_detail = "The SMS template token is not valid."


def failures_of(error: Exception) -> tuple[ProviderError, ...]:
    """The provider failures behind a failed send, whichever layer raised it."""
    if isinstance(error, SmsDeliveryFailed):
        return error.failures
    if isinstance(error, ProviderError):
        return (error,)
    return ()
