from __future__ import annotations

from dataclasses import replace

from apps.sms.senders import SmsRequest, SmsResult, SmsSender
from apps.sms.templates import template_check_params, template_get, template_unwrap


class TemplateAuthorisation:
    """Accepts only signed template tokens; the layers below see the verified template name.

    A forged or unknown token raises ``TemplateNotAuthorised``; parameters that do not fill the
    template's placeholders exactly raise ``ValueError`` (a bug in the caller, not a user error).
    """

    def __init__(self, inner: SmsSender) -> None:
        self.inner = inner

    def send(self, request: SmsRequest) -> SmsResult:
        name = template_unwrap(request.template)
        template_check_params(template_get(name), request.params)
        return self.inner.send(replace(request, template=name))
