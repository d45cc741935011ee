import pytest

from apps.sms.decorators.rate_limit import SmsRateLimit
from apps.sms.senders import SmsRequest
from scholarnet.api.errors import RateLimited
from tests.sms.factories import FakeProvider, phone_number


def _request(phone: str) -> SmsRequest:
    return SmsRequest(phone=phone, template="login_code", params={"code": "1"})


def test_per_phone_limit_refuses_without_sending():
    provider = FakeProvider()
    limiter = SmsRateLimit(provider, per_phone="2/60s", global_rate="100/60s")
    phone = phone_number()
    limiter.send(_request(phone))
    limiter.send(_request(phone))

    with pytest.raises(RateLimited) as error:
        limiter.send(_request(phone))

    assert error.value.code == "sms_rate_limited"
    assert error.value.status_code == 429
    assert 59 <= error.value.retry_after <= 60
    assert len(provider.requests) == 2
    limiter.send(_request(phone_number()))
    assert len(provider.requests) == 3


def test_global_limit_covers_every_number():
    provider = FakeProvider()
    limiter = SmsRateLimit(provider, per_phone="5/60s", global_rate="3/60s")
    for _ in range(3):
        limiter.send(_request(phone_number()))

    with pytest.raises(RateLimited) as error:
        limiter.send(_request(phone_number()))

    assert error.value.code == "sms_rate_limited"
    assert len(provider.requests) == 3


def test_a_number_over_its_limit_does_not_use_up_the_global_budget():
    limiter = SmsRateLimit(FakeProvider(), per_phone="1/60s", global_rate="2/60s")
    spammed = phone_number()
    limiter.send(_request(spammed))
    for _ in range(5):
        with pytest.raises(RateLimited):
            limiter.send(_request(spammed))

    limiter.send(_request(phone_number()))


def test_rates_default_to_settings(settings):
    settings.SMS_RATE_PER_PHONE = "1/60s"
    limiter = SmsRateLimit(FakeProvider())
    phone = phone_number()
    limiter.send(_request(phone))

    with pytest.raises(RateLimited):
        limiter.send(_request(phone))
