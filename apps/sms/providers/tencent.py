"""Tencent Cloud SMS through the official SDK (``tencentcloud-sdk-python-sms``, API 2021-01-11).

Credentials come from ``SMS_TENCENT`` (filled from the environment). Template parameters are
positional, in the order the placeholders appear in the template text.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from apps.sms.providers.base import SmsProvider
from apps.sms.senders import ProviderError, ProviderTimeout, SmsRequest, SmsResult
from apps.sms.templates import SmsTemplate

REQUIRED = ("secret_id", "secret_key", "sdk_app_id", "sign_name")


class TencentProvider(SmsProvider):
    name = "tencent"

    def __init__(self, config: dict[str, Any] | None = None, timeout: float | None = None) -> None:
        self.config = dict(config or settings.SMS_TENCENT)
        missing = [key for key in REQUIRED if not self.config.get(key)]
        if missing:
            raise ImproperlyConfigured(f"SMS_TENCENT needs {', '.join(missing)}")
        profile = ClientProfile(
            httpProfile=HttpProfile(
                endpoint=self.config["endpoint"],
                reqTimeout=timeout or settings.SMS_PROVIDER_TIMEOUT_SECONDS,
            )
        )
        self.client = sms_client.SmsClient(
            credential.Credential(self.config["secret_id"], self.config["secret_key"]),
            self.config["region"],
            profile,
        )

    def deliver(self, request: SmsRequest, template: SmsTemplate) -> SmsResult:
        if not template.tencent_template_id:
            raise ProviderError(self.name, f"no Tencent template id for {template.name!r}")
        sdk_request = models.SendSmsRequest()
        sdk_request.PhoneNumberSet = [request.phone]
        sdk_request.SmsSdkAppId = self.config["sdk_app_id"]
        sdk_request.SignName = self.config["sign_name"]
        sdk_request.TemplateId = template.tencent_template_id
        sdk_request.TemplateParamSet = [request.params[name] for name in template.placeholders]
        try:
            response = self.client.SendSms(sdk_request)
        except TencentCloudSDKException as error:
            # The SDK wraps network errors in ClientNetworkError; the cause tells a timeout apart.
            if isinstance(error.__context__, requests.Timeout):
                raise ProviderTimeout(self.name, str(error.message)) from error
            raise ProviderError(self.name, f"{error.code}: {error.message}") from error
        status = response.SendStatusSet[0] if response.SendStatusSet else None
        if status is None or status.Code != "Ok":
            detail = f"{status.Code}: {status.Message}" if status else "empty SendStatusSet"
            raise ProviderError(self.name, detail)
        return SmsResult(provider=self.name, provider_message_id=status.SerialNo or "")
