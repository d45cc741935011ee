"""SMS providers: the console for development, Tencent Cloud and Aliyun for production."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from apps.sms.providers.base import SmsProvider

PROVIDER_CLASSES = {
    "console": "apps.sms.providers.console.ConsoleProvider",
    "tencent": "apps.sms.providers.tencent.TencentProvider",
    "aliyun": "apps.sms.providers.aliyun.AliyunProvider",
}


def provider_build(name: str) -> SmsProvider:
    """A provider by its name in SMS_PROVIDERS, or by the dotted path of its class."""
    path = PROVIDER_CLASSES.get(name, name)
    try:
        provider_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"unknown SMS provider {name!r}") from error
    return provider_class()
