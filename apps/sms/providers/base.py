from __future__ import annotations

from abc import ABC, abstractmethod

from apps.sms.senders import SmsRequest, SmsResult
from apps.sms.templates import SmsTemplate, template_get


class SmsProvider(ABC):
    """A sender that talks to one SMS service. ``request.template`` is a bare template name."""

    name: str

    def send(self, request: SmsRequest) -> SmsResult:
        return self.deliver(request, template_get(request.template))

    @abstractmethod
    def deliver(self, request: SmsRequest, template: SmsTemplate) -> SmsResult: ...
