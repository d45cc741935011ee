"""Development provider: the message goes to the log, one line with the number and the text.

The line is a WARNING so it shows in ``make run``'s terminal at the default log level; the
``record`` layer keeps the message in the database for the admin as it does for every provider.
"""

from __future__ import annotations

import logging
import uuid

from apps.sms.providers.base import SmsProvider
from apps.sms.senders import SmsRequest, SmsResult
from apps.sms.templates import SmsTemplate

logger = logging.getLogger(__name__)


class ConsoleProvider(SmsProvider):
    name = "console"

    def deliver(self, request: SmsRequest, template: SmsTemplate) -> SmsResult:
        logger.warning("SMS to %s : %s", request.phone, template.render(request.params))
        return SmsResult(provider=self.name, provider_message_id=uuid.uuid4().hex)
