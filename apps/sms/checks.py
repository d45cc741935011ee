"""Deployment checks (``manage.py check --deploy``): the SMS chain must build from settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register("sms", deploy=True)
def check_sms_chain(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from apps.sms.services import sms_sender_build

    try:
        sms_sender_build(layers=settings.SMS_CHAIN, providers=settings.SMS_PROVIDERS)
    except ImproperlyConfigured as error:
        return [Error(f"The SMS chain cannot be built: {error}", id="sms.E001")]
    if "console" in settings.SMS_PROVIDERS and not settings.DEBUG:
        hint = "Set SMS_PROVIDERS to tencent and/or aliyun."
        return [Warning("The console SMS provider only logs messages.", hint=hint, id="sms.W001")]
    return []
