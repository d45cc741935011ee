"""Builds the sender chain from settings: ``SMS_CHAIN`` layers around ``SMS_PROVIDERS``.

``SMS_CHAIN`` lists layers outermost first. The default::

    template_auth → rate_limit → record → async_switch → timeout_failover → round_robin → providers

``round_robin`` holds the providers, so it comes last; without it the chain ends in the preferred
(else the first) provider. The two provider layers split the work: ``timeout_failover`` decides
which provider goes *first* (the active one, until it times out three times in a row) and
``round_robin`` walks the ring from there when a provider fails. Without ``timeout_failover``
above it, ``round_robin`` also rotates the first provider from send to send to spread the load.

Workers delivering queued messages use the layers below ``async_switch`` (timeout failover and
round robin), timed into the same health windows.

This module only assembles: the record and async-switch layers call back into the services
(``ChainCallbacks``), and ``services`` composes the chain with its own functions, so the import
runs one way, services → chain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

from apps.sms.providers import provider_build
from apps.sms.senders import SmsSender

if TYPE_CHECKING:
    from apps.sms.decorators.async_switch import Enqueue
    from apps.sms.decorators.record import RecordFailed, RecordSent

PROVIDER_LAYER = "round_robin"
# Layers that choose among the providers; without async_switch the workers use just these.
DELIVERY_LAYERS = ("timeout_failover", PROVIDER_LAYER)


@dataclass(frozen=True, slots=True)
class ChainCallbacks:
    """What the record and async-switch layers call back into: the services that keep the
    records and queue messages. Passed in, so this module never imports ``services``."""

    record_sent: RecordSent
    record_failed: RecordFailed
    enqueue: Enqueue


Layer = Callable[[SmsSender, Sequence[str], ChainCallbacks], SmsSender]


def _template_auth(inner: SmsSender, names: Sequence[str], callbacks: ChainCallbacks) -> SmsSender:
    from apps.sms.decorators.template_auth import TemplateAuthorisation

    return TemplateAuthorisation(inner)


def _rate_limit(inner: SmsSender, names: Sequence[str], callbacks: ChainCallbacks) -> SmsSender:
    from apps.sms.decorators.rate_limit import SmsRateLimit

    return SmsRateLimit(inner)


def _record(inner: SmsSender, names: Sequence[str], callbacks: ChainCallbacks) -> SmsSender:
    from apps.sms.decorators.record import SmsRecord

    return SmsRecord(
        inner, record_sent=callbacks.record_sent, record_failed=callbacks.record_failed
    )


def _async_switch(inner: SmsSender, names: Sequence[str], callbacks: ChainCallbacks) -> SmsSender:
    from apps.sms.decorators.async_switch import AsyncSwitch, SendHealth

    return AsyncSwitch(inner, health=SendHealth(), enqueue=callbacks.enqueue)


def _timeout_failover(
    inner: SmsSender, names: Sequence[str], callbacks: ChainCallbacks
) -> SmsSender:
    from apps.sms.decorators.timeout_failover import TimeoutFailover

    return TimeoutFailover(inner, names)


LAYERS: dict[str, Layer] = {
    "template_auth": _template_auth,
    "rate_limit": _rate_limit,
    "record": _record,
    "async_switch": _async_switch,
    "timeout_failover": _timeout_failover,
}


def sender_build(
    *, layers: Sequence[str], providers: Sequence[str], callbacks: ChainCallbacks
) -> SmsSender:
    from apps.sms.decorators.round_robin import PreferredProvider, RoundRobinFailover

    layers = list(layers)
    unknown = [name for name in layers if name not in LAYERS and name != PROVIDER_LAYER]
    if unknown:
        raise ImproperlyConfigured(f"unknown SMS_CHAIN layers: {', '.join(unknown)}")
    if PROVIDER_LAYER in layers[:-1]:
        raise ImproperlyConfigured(f"{PROVIDER_LAYER!r} holds the providers: it must come last")
    if not providers:
        raise ImproperlyConfigured("SMS_PROVIDERS is empty")
    instances = [provider_build(name) for name in providers]
    names = [instance.name for instance in instances]
    base = RoundRobinFailover if layers[-1:] == [PROVIDER_LAYER] else PreferredProvider
    sender: SmsSender = base(instances, names)
    for layer in reversed([name for name in layers if name != PROVIDER_LAYER]):
        sender = LAYERS[layer](sender, names, callbacks)
    return sender


def delivery_layers(chain: Sequence[str]) -> list[str]:
    """The layers the workers deliver queued messages through: those below the async switch."""
    chain = list(chain)
    if "async_switch" in chain:
        return chain[chain.index("async_switch") + 1 :]
    return [name for name in chain if name in DELIVERY_LAYERS]


def delivery_sender_build(
    *, chain: Sequence[str], providers: Sequence[str], callbacks: ChainCallbacks
) -> SmsSender:
    """The workers' sender, timed into the same health windows as the full chain's sends."""
    from apps.sms.decorators.async_switch import HealthRecorder, SendHealth

    sender = sender_build(layers=delivery_layers(chain), providers=providers, callbacks=callbacks)
    return HealthRecorder(sender, SendHealth())
