"""Sending text messages, recording them, and delivering the queued ones.

``sms_send`` is the entry point for other apps. Queued messages are delivered by Celery workers:
a worker *claims* a row by moving it to ``sending`` with its own lease token and an expiry
(``scholarnet.leases``: SKIP LOCKED on server databases, a conditional UPDATE that re-checks
the row on all of them), so a row has one owner at a time and concurrent workers pick different
rows instead of queueing behind each other. A worker that dies leaves its lease to expire; the
sweeper (``sms_due_requeue``, on beat) then hands the row out again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.sms.chain import ChainCallbacks, delivery_sender_build, sender_build
from apps.sms.models import SmsMessage
from apps.sms.senders import ProviderError, SmsRequest, SmsResult, SmsSender, failures_of
from apps.sms.templates import template_get
from scholarnet.leases import Lease, Leases
from scholarnet.observability.metrics import counter

logger = logging.getLogger(__name__)

SMS_SENT = counter(
    "sms_sent_total", "Text messages by provider and outcome.", ["provider", "status"]
)
Status = SmsMessage.Status
# A worker owns a message while its lease runs (the kernel's lease helper, as the event relay).
SMS_LEASES: Leases[SmsMessage] = Leases(
    SmsMessage,
    owner_field="lease_token",
    until_field="lease_expires_at",
    new_token=lambda: uuid.uuid4().hex,
)


def get_sender() -> SmsSender:
    """The full chain that ``sms_send`` goes through, built once per process from settings."""
    return _sender()


def get_delivery_sender() -> SmsSender:
    """What the workers send queued messages through: the layers below the async switch."""
    return _delivery_sender()


def forget_senders(*, setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: the next send builds its chain from the new settings."""
    if setting.startswith("SMS_") or setting == "SECRET_KEY":
        _sender.cache_clear()
        _delivery_sender.cache_clear()


def sms_sender_build(*, layers: Sequence[str], providers: Sequence[str]) -> SmsSender:
    """A chain of ``layers`` wired to this module's records and queue (also for the checks)."""
    return sender_build(layers=layers, providers=providers, callbacks=_callbacks())


@lru_cache(maxsize=1)
def _sender() -> SmsSender:
    return sms_sender_build(layers=settings.SMS_CHAIN, providers=settings.SMS_PROVIDERS)


@lru_cache(maxsize=1)
def _delivery_sender() -> SmsSender:
    return delivery_sender_build(
        chain=settings.SMS_CHAIN, providers=settings.SMS_PROVIDERS, callbacks=_callbacks()
    )


def _callbacks() -> ChainCallbacks:
    return ChainCallbacks(
        record_sent=sms_message_record_sent,
        record_failed=sms_message_record_failed,
        enqueue=sms_message_enqueue,
    )


def sms_send(*, phone: str, template_token: str, params: Mapping[str, str]) -> SmsMessage | None:
    """Send (or queue) the text of a signed template through the chain of ``SMS_CHAIN``.

    Returns the message's record (``None`` only if the chain keeps none). Raises
    ``TemplateNotAuthorised`` for a bad token, ``RateLimited`` (``sms_rate_limited``) past the
    limits, and ``SmsDeliveryFailed`` (503) when no provider could send and nothing was queued.
    """
    request = SmsRequest(phone=phone, template=template_token, params=dict(params))
    return get_sender().send(request).message


def sms_message_record_sent(request: SmsRequest, result: SmsResult) -> SmsMessage:
    now = timezone.now()
    message = SmsMessage.objects.create(
        **_content(request),
        status=Status.SENT,
        provider=result.provider,
        provider_message_id=result.provider_message_id,
        attempts=1 + len(result.failures),
        last_error=_describe(result.failures),
        created_at=now,
        updated_at=now,
        sent_at=now,
    )
    SMS_SENT.labels(provider=result.provider, status=Status.SENT).inc()
    return message


def sms_message_record_failed(
    request: SmsRequest, failures: tuple[ProviderError, ...]
) -> SmsMessage:
    provider = failures[-1].provider if failures else ""
    message = SmsMessage.objects.create(
        **_content(request),
        status=Status.FAILED,
        provider=provider,
        attempts=len(failures),
        last_error=_describe(failures),
    )
    SMS_SENT.labels(provider=provider, status=Status.FAILED).inc()
    return message


def sms_message_enqueue(request: SmsRequest, failures: tuple[ProviderError, ...]) -> SmsMessage:
    """Store a message for the workers, counting a failed first attempt if there was one."""
    now = timezone.now()
    attempts = 1 if failures else 0
    next_attempt_at = now + _backoff(attempts) if attempts else now
    message = SmsMessage.objects.create(
        **_content(request),
        status=Status.QUEUED,
        provider=failures[-1].provider if failures else "",
        attempts=attempts,
        last_error=_describe(failures),
        next_attempt_at=next_attempt_at,
        created_at=now,
        updated_at=now,
    )
    SMS_SENT.labels(provider="", status=Status.QUEUED).inc()
    _schedule(message.pk, at=next_attempt_at)
    return message


def sms_message_deliver(*, message_id: int, sender: SmsSender | None = None) -> bool:
    """Claim one queued message and send it; False if it was not claimable (sent, held, not due)."""
    now = timezone.now()
    lease = _claim(due=_due(now) & Q(pk=message_id), limit=1, now=now)
    for message in lease.rows:
        return _deliver(message, lease=lease, sender=sender or get_delivery_sender())
    return False


def sms_due_deliver(*, limit: int = 100, sender: SmsSender | None = None) -> int:
    """Claim up to ``limit`` due messages and send them; returns how many were sent."""
    now = timezone.now()
    lease = _claim(due=_due(now), limit=limit, now=now)
    sender = sender or get_delivery_sender()
    return sum(_deliver(message, lease=lease, sender=sender) for message in lease.rows)


def sms_due_requeue(*, limit: int = 500) -> int:
    """The sweeper: hand due and abandoned messages to the workers again; returns how many."""
    now = timezone.now()
    SmsMessage.objects.filter(
        status=Status.SENDING,
        lease_expires_at__lte=now,
        attempts__gte=settings.SMS_ASYNC_MAX_ATTEMPTS,
    ).update(
        status=Status.FAILED,
        last_error="The worker's lease ran out during the last attempt.",
        lease_token="",
        lease_expires_at=None,
        updated_at=now,
    )
    due = list(
        SmsMessage.objects.filter(_claimable(now))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in due:
        _schedule(message_id, at=now)
    return len(due)


def sms_messages_retry(*, message_ids: Iterable[int]) -> int:
    """Give failed messages a fresh set of attempts (the admin's retry action)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            SmsMessage.objects.filter(id__in=list(message_ids), status=Status.FAILED)
            .order_by("id")
            .values_list("id", flat=True)
        )
        SmsMessage.objects.filter(id__in=ids, status=Status.FAILED).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=now, updated_at=now
        )
        for message_id in ids:
            _schedule(message_id, at=now)
    return len(ids)


def sms_messages_prune(*, older_than_days: int | None = None, batch_size: int = 1000) -> int:
    """Delete finished records past ``SMS_RECORD_RETENTION_DAYS``, in small batches."""
    days = settings.SMS_RECORD_RETENTION_DAYS if older_than_days is None else older_than_days
    finished = SmsMessage.objects.filter(
        status__in=[Status.SENT, Status.FAILED],
        created_at__lt=timezone.now() - timedelta(days=days),
    )
    deleted = 0
    while ids := list(finished.order_by("id").values_list("id", flat=True)[:batch_size]):
        deleted += SmsMessage.objects.filter(id__in=ids).delete()[0]
    return deleted


def _due(now: datetime) -> Q:
    """Messages a worker may take once no lease holds them: queued and due, or abandoned."""
    queued = Q(status=Status.QUEUED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    # A "sending" row is free only once its lease ran out: its worker died mid-send.
    return (queued | Q(status=Status.SENDING)) & Q(attempts__lt=settings.SMS_ASYNC_MAX_ATTEMPTS)


def _claimable(now: datetime) -> Q:
    return _due(now) & SMS_LEASES.free(now)


def _claim(*, due: Q, limit: int, now: datetime) -> Lease[SmsMessage]:
    return SMS_LEASES.claim(
        due=due,
        limit=limit,
        seconds=settings.SMS_ASYNC_LEASE_SECONDS,
        update={"status": Status.SENDING, "attempts": F("attempts") + 1, "updated_at": now},
        now=now,
    )


def _deliver(message: SmsMessage, *, lease: Lease[SmsMessage], sender: SmsSender) -> bool:
    request = SmsRequest(
        phone=message.phone,
        template=message.template,
        params=message.params,
        message_id=message.pk,
    )
    try:
        result = sender.send(request)
    except Exception as error:
        if not failures_of(error):
            logger.exception("unexpected error delivering SMS %s", message.pk)
        _release_failed(message, lease=lease, error=error)
        return False
    _mark_sent(message, result)
    return True


def _mark_sent(message: SmsMessage, result: SmsResult) -> None:
    # Not filtered by the lease token: if the lease ran out meanwhile, the text still went out.
    now = timezone.now()
    SmsMessage.objects.filter(pk=message.pk).exclude(status=Status.SENT).update(
        status=Status.SENT,
        provider=result.provider,
        provider_message_id=result.provider_message_id,
        lease_token="",
        lease_expires_at=None,
        last_error="",
        sent_at=now,
        updated_at=now,
    )
    SMS_SENT.labels(provider=result.provider, status=Status.SENT).inc()


def _release_failed(message: SmsMessage, *, lease: Lease[SmsMessage], error: Exception) -> None:
    now = timezone.now()
    failures = failures_of(error)
    exhausted = message.attempts >= settings.SMS_ASYNC_MAX_ATTEMPTS
    next_attempt_at = None if exhausted else now + _backoff(message.attempts)
    released = SMS_LEASES.release(
        lease,
        ids=[message.pk],
        still=Q(status=Status.SENDING),
        update={
            "status": Status.FAILED if exhausted else Status.QUEUED,
            "provider": failures[-1].provider if failures else message.provider,
            "last_error": _describe(failures) or f"{type(error).__name__}: {error}"[:2000],
            "lease_token": "",
            "next_attempt_at": next_attempt_at,
            "updated_at": now,
        },
    )
    if exhausted:
        logger.warning("SMS %s failed after %d attempts: %s", message.pk, message.attempts, error)
        provider = failures[-1].provider if failures else ""
        SMS_SENT.labels(provider=provider, status=Status.FAILED).inc()
    elif released and next_attempt_at:
        _schedule(message.pk, at=next_attempt_at)


def _schedule(message_id: int, *, at: datetime) -> None:
    from apps.sms.tasks import sms_deliver

    countdown = max(0.0, (at - timezone.now()).total_seconds())
    transaction.on_commit(lambda: sms_deliver.apply_async(args=[message_id], countdown=countdown))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.SMS_ASYNC_BACKOFF_SECONDS * 2 ** max(0, attempts - 1))


def _content(request: SmsRequest) -> dict[str, object]:
    template = template_get(request.template)
    return {
        "phone": request.phone,
        "template": template.name,
        "params": dict(request.params),
        "text": template.render(request.params),
    }


def _describe(failures: Iterable[ProviderError]) -> str:
    return "; ".join(str(failure) for failure in failures)[:2000]
