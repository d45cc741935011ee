"""Aliyun (Alibaba Cloud) SMS through the official SDK (``alibabacloud_dysmsapi20170525``).

Credentials come from ``SMS_ALIYUN`` (filled from the environment). Template parameters are
sent by name as a JSON object. The SDK's own retries are off: failover is the chain's job.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import DaraException, RetryError
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.sms.providers.base import SmsProvider
from apps.sms.senders import ProviderError, ProviderTimeout, SmsRequest, SmsResult
from apps.sms.templates import SmsTemplate

REQUIRED = ("access_key_id", "access_key_secret", "sign_name")


class AliyunProvider(SmsProvider):
    name = "aliyun"

    def __init__(self, config: dict[str, Any] | None = None, timeout: float | None = None) -> None:
        self.config = dict(config or settings.SMS_ALIYUN)
        missing = [key for key in REQUIRED if not self.config.get(key)]
        if missing:
            raise ImproperlyConfigured(f"SMS_ALIYUN needs {', '.join(missing)}")
        timeout_ms = int((timeout or settings.SMS_PROVIDER_TIMEOUT_SECONDS) * 1000)
        self.client = Client(
            Config(
                access_key_id=self.config["access_key_id"],
                access_key_secret=self.config["access_key_secret"],
                endpoint=self.config["endpoint"],
                read_timeout=timeout_ms,
                connect_timeout=timeout_ms,
            )
        )
        self.runtime = RuntimeOptions(read_timeout=timeout_ms, connect_timeout=timeout_ms)

    def deliver(self, request: SmsRequest, template: SmsTemplate) -> SmsResult:
        if not template.aliyun_template_code:
            raise ProviderError(self.name, f"no Aliyun template code for {template.name!r}")
        sdk_request = models.SendSmsRequest(
            phone_numbers=aliyun_phone(request.phone),
            sign_name=self.config["sign_name"],
            template_code=template.aliyun_template_code,
            template_param=json.dumps(
                dict(request.params), ensure_ascii=False, separators=(",", ":")
            ),
        )
        try:
            response = self.client.send_sms_with_options(sdk_request, self.runtime)
        except Exception as error:
            raise self._provider_error(error) from error
        body = response.body
        if body is None or body.code != "OK":
            detail = f"{body.code}: {body.message}" if body else "empty response"
            raise ProviderError(self.name, detail)
        return SmsResult(provider=self.name, provider_message_id=body.biz_id or "")

    def _provider_error(self, error: Exception) -> ProviderError:
        # Network errors come wrapped: UnretryableException(inner_exception=RetryError), whose
        # context is the requests exception; HTTP error answers come as ClientException & co.
        inner = getattr(error, "inner_exception", error)
        if isinstance(inner, RetryError) and isinstance(inner.__context__, requests.Timeout):
            return ProviderTimeout(self.name, inner.message)
        if isinstance(inner, DaraException):
            return ProviderError(self.name, f"{inner.code}: {inner.message}")
        return ProviderError(self.name, f"{type(inner).__name__}: {inner}")


def aliyun_phone(phone: str) -> str:
    """Aliyun wants mainland numbers bare and others with the country code but no ``+``."""
    if phone.startswith("+86"):
        return phone.removeprefix("+86")
    return phone.removeprefix("+")
