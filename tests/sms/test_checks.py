from apps.sms.checks import check_sms_chain


def test_the_console_default_builds_and_is_fine_in_development(settings):
    settings.DEBUG = True

    assert check_sms_chain() == []


def test_the_console_in_production_is_a_warning(settings):
    settings.DEBUG = False

    assert [message.id for message in check_sms_chain()] == ["sms.W001"]


def test_a_cloud_provider_without_credentials_is_an_error(settings):
    settings.SMS_PROVIDERS = ["tencent", "aliyun"]

    messages = check_sms_chain()

    assert [message.id for message in messages] == ["sms.E001"]
    assert "SMS_TENCENT needs secret_id, secret_key, sdk_app_id, sign_name" in messages[0].msg


def test_configured_cloud_providers_pass(settings):
    settings.SMS_PROVIDERS = ["tencent", "aliyun"]
    settings.SMS_TENCENT = {
        **settings.SMS_TENCENT,
        "secret_id": "id",
        "secret_key": "key",
        "sdk_app_id": "1400000001",
        "sign_name": "ScholarNet",
    }
    settings.SMS_ALIYUN = {
        **settings.SMS_ALIYUN,
        "access_key_id": "id",
        "access_key_secret": "secret",
        "sign_name": "ScholarNet",
    }

    assert check_sms_chain() == []
