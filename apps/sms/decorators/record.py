from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from apps.sms.models import SmsMessage
from apps.sms.senders import SmsDeliveryFailed, SmsRequest, SmsResult, SmsSender, failures_of

RecordSent = Callable[[SmsRequest, SmsResult], SmsMessage]
RecordFailed = Callable[[SmsRequest, tuple], SmsMessage]


class SmsRecord:
    """Keeps every synchronous send as an ``SmsMessage`` row, sent or failed, for the admin.

    A queued result already has its row (the async switch wrote it). The row is written after
    the provider answered, so no database transaction is held open across the network call.
    A provider failure is re-raised as ``SmsDeliveryFailed`` after it is recorded.
    """

    def __init__(
        self, inner: SmsSender, *, record_sent: RecordSent, record_failed: RecordFailed
    ) -> None:
        self.inner = inner
        self.record_sent = record_sent
        self.record_failed = record_failed

    def send(self, request: SmsRequest) -> SmsResult:
        try:
            result = self.inner.send(request)
        except SmsDeliveryFailed as error:
            self.record_failed(request, error.failures)
            raise
        except Exception as error:
            failures = failures_of(error)
            if not failures:
                raise
            self.record_failed(request, failures)
            raise SmsDeliveryFailed(failures) from error
        if result.queued:
            return result
        return replace(result, message=self.record_sent(request, result))
