import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from apps.sms.providers import provider_build
from apps.sms.providers.aliyun import AliyunProvider, aliyun_phone
from apps.sms.providers.console import ConsoleProvider
from apps.sms.providers.tencent import TencentProvider
from apps.sms.senders import ProviderError, ProviderTimeout, SmsRequest

TENCENT_URL = "https://sms.tencentcloudapi.com/"
ALIYUN_URL = "https://dysmsapi.aliyuncs.com/"
LOGIN = SmsRequest(phone="+8613800138000", template="login_code", params={"code": "042042"})


@pytest.fixture
def tencent(settings):
    settings.SMS_TEMPLATES["login_code"]["tencent_template_id"] = "1110001"
    return TencentProvider(
        config={
            "secret_id": "AKIDtest",
            "secret_key": "test-secret",
            "sdk_app_id": "1400000001",
            "sign_name": "ScholarNet",
            "region": "ap-guangzhou",
            "endpoint": "sms.tencentcloudapi.com",
        },
        timeout=2,
    )


@pytest.fixture
def aliyun(settings):
    settings.SMS_TEMPLATES["login_code"]["aliyun_template_code"] = "SMS_100001"
    return AliyunProvider(
        config={
            "access_key_id": "LTAItest",
            "access_key_secret": "test-secret",
            "sign_name": "ScholarNet",
            "endpoint": "dysmsapi.aliyuncs.com",
        },
        timeout=2,
    )


def test_console_logs_one_warning_line_with_phone_and_text(caplog):
    with caplog.at_level(logging.WARNING, logger="apps.sms"):
        result = ConsoleProvider().send(LOGIN)

    assert [record.getMessage() for record in caplog.records] == [
        "SMS to +8613800138000 : Your ScholarNet code is 042042. It expires in 10 minutes."
    ]
    assert caplog.records[0].levelno == logging.WARNING
    assert result.provider == "console"
    assert len(result.provider_message_id) == 32


def test_providers_are_built_by_name_or_dotted_path():
    assert isinstance(provider_build("console"), ConsoleProvider)
    assert isinstance(provider_build("apps.sms.providers.console.ConsoleProvider"), ConsoleProvider)
    with pytest.raises(ImproperlyConfigured):
        provider_build("carrier-pigeon")


def test_cloud_providers_refuse_to_start_without_credentials(settings):
    with pytest.raises(ImproperlyConfigured, match="secret_id"):
        TencentProvider()
    with pytest.raises(ImproperlyConfigured, match="access_key_id"):
        AliyunProvider()


@responses.activate
def test_tencent_sends_through_the_sdk(tencent):
    responses.post(
        TENCENT_URL,
        json={
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "5000:1045710669157053657849499619",
                        "PhoneNumber": "+8613800138000",
                        "Fee": 1,
                        "SessionContext": "",
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
            }
        },
    )

    result = tencent.send(LOGIN)

    assert result.provider == "tencent"
    assert result.provider_message_id == "5000:1045710669157053657849499619"
    call = responses.calls[0].request
    assert call.headers["X-TC-Action"] == "SendSms"
    assert call.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    assert json.loads(call.body) == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400000001",
        "SignName": "ScholarNet",
        "TemplateId": "1110001",
        "TemplateParamSet": ["042042"],
    }


@responses.activate
def test_tencent_per_number_failure_is_a_provider_error(tencent):
    responses.post(
        TENCENT_URL,
        json={
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "",
                        "PhoneNumber": "+8613800138000",
                        "Fee": 0,
                        "Code": "LimitExceeded.PhoneNumberDailyLimit",
                        "Message": "daily limit",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "r1",
            }
        },
    )

    with pytest.raises(ProviderError) as error:
        tencent.send(LOGIN)

    assert error.value.provider == "tencent"
    assert error.value.timeout is False
    assert "LimitExceeded.PhoneNumberDailyLimit" in error.value.message


@responses.activate
def test_tencent_api_error_is_a_provider_error(tencent):
    responses.post(
        TENCENT_URL,
        json={
            "Response": {
                "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"},
                "RequestId": "r2",
            }
        },
    )

    with pytest.raises(ProviderError) as error:
        tencent.send(LOGIN)

    assert error.value.message == "AuthFailure.SignatureFailure: bad signature"
    assert not isinstance(error.value, ProviderTimeout)


@responses.activate
def test_tencent_timeout_is_a_provider_timeout(tencent):
    responses.post(TENCENT_URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ProviderTimeout) as error:
        tencent.send(LOGIN)

    assert error.value.provider == "tencent"
    assert error.value.timeout is True


@responses.activate
def test_tencent_connection_error_is_not_a_timeout(tencent):
    responses.post(TENCENT_URL, body=requests.exceptions.ConnectionError("refused"))

    with pytest.raises(ProviderError) as error:
        tencent.send(LOGIN)

    assert error.value.timeout is False


def test_tencent_without_a_template_id_fails_over(tencent, settings):
    settings.SMS_TEMPLATES["login_code"]["tencent_template_id"] = ""

    with pytest.raises(ProviderError, match="no Tencent template id"):
        tencent.send(LOGIN)


@responses.activate
def test_aliyun_sends_through_the_sdk(aliyun):
    responses.post(
        ALIYUN_URL,
        json={
            "Code": "OK",
            "Message": "OK",
            "BizId": "900619746936498440^0",
            "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990",
        },
    )

    result = aliyun.send(LOGIN)

    assert result.provider == "aliyun"
    assert result.provider_message_id == "900619746936498440^0"
    call = responses.calls[0].request
    query = parse_qs(urlsplit(call.url).query)
    assert call.headers["x-acs-action"] == "SendSms"
    assert call.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAItest,")
    assert query == {
        "PhoneNumbers": ["13800138000"],
        "SignName": ["ScholarNet"],
        "TemplateCode": ["SMS_100001"],
        "TemplateParam": ['{"code":"042042"}'],
    }


@responses.activate
def test_aliyun_business_error_is_a_provider_error(aliyun):
    responses.post(
        ALIYUN_URL,
        json={"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit", "RequestId": "r"},
    )

    with pytest.raises(ProviderError) as error:
        aliyun.send(LOGIN)

    assert error.value.message == "isv.BUSINESS_LIMIT_CONTROL: limit"


@responses.activate
def test_aliyun_http_error_is_a_provider_error(aliyun):
    responses.post(
        ALIYUN_URL,
        status=400,
        json={"Code": "InvalidAccessKeyId.NotFound", "Message": "no such key", "RequestId": "r"},
    )

    with pytest.raises(ProviderError) as error:
        aliyun.send(LOGIN)

    assert error.value.timeout is False
    assert error.value.message.startswith("InvalidAccessKeyId.NotFound: ")


@responses.activate
def test_aliyun_timeout_is_a_provider_timeout(aliyun):
    responses.post(ALIYUN_URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ProviderTimeout) as error:
        aliyun.send(LOGIN)

    assert error.value.provider == "aliyun"


def test_aliyun_numbers_drop_the_plus_and_mainland_country_code():
    assert aliyun_phone("+8613800138000") == "13800138000"
    assert aliyun_phone("+85291234567") == "85291234567"
