"""Limits of SMS-code sign-in: wrong codes counted per phone and per client IP, before the code is
checked; sends throttled per phone and per IP, keyed by digests of what the client sent."""

import pytest
from django.test import override_settings
from django_redis import get_redis_connection

from apps.codes.services import _keys
from apps.sms.models import SmsMessage
from apps.users.models import User, UserSession
from apps.users.throttles import CodeSendPhoneThrottle
from scholarnet.ratelimit.ident import key_digest
from tests.users.test_sms_login import LOGIN, PHONE, SEND, sent_code

pytestmark = pytest.mark.django_db

OTHER_PHONE = "+8613800138001"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@override_settings(RATELIMIT_CODE_VERIFY_FAILURES_PHONE="2/1h")
def test_wrong_codes_for_one_phone_stop_even_the_right_one(api_client):
    api_client.post(SEND, {"phone": PHONE})
    right = sent_code(PHONE)
    for address in ("198.51.100.1", "198.51.100.2"):
        response = api_client.post(
            LOGIN, {"phone": PHONE, "code": _wrong(right)}, REMOTE_ADDR=address
        )
        assert response.json()["code"] == "code_invalid"

    response = api_client.post(LOGIN, {"phone": PHONE, "code": right}, REMOTE_ADDR="198.51.100.3")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert (User.objects.count(), UserSession.objects.count()) == (0, 0)


@override_settings(RATELIMIT_CODE_VERIFY_FAILURES_PHONE="2/1h")
def test_a_right_code_clears_the_phones_failures(api_client):
    api_client.post(SEND, {"phone": PHONE})
    right = sent_code(PHONE)
    api_client.post(LOGIN, {"phone": PHONE, "code": _wrong(right)})

    assert api_client.post(LOGIN, {"phone": PHONE, "code": right}).status_code == 200
    assert get_redis_connection("default").keys("sntest:rl:code_verify_failures_phone*") == []


@override_settings(RATELIMIT_CODE_VERIFY_FAILURES_IP="2/15m")
def test_guessing_codes_across_phones_from_one_address_stops_that_address(api_client):
    for phone in (PHONE, OTHER_PHONE):
        answer = api_client.post(LOGIN, {"phone": phone, "code": "000000"})
        assert answer.json()["code"] == "code_expired"  # no code: a guess all the same

    refused = api_client.post(LOGIN, {"phone": "+8613800138002", "code": "000000"})

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


@override_settings(RATELIMIT_CODE_SEND_PHONE="1/1h")
def test_sends_to_one_phone_are_throttled_across_addresses(api_client):
    assert api_client.post(SEND, {"phone": PHONE}, REMOTE_ADDR="198.51.100.1").status_code == 202
    get_redis_connection("default").delete(
        _keys(purpose="login", target=PHONE)[1]
    )  # a minute later

    response = api_client.post(SEND, {"phone": PHONE}, REMOTE_ADDR="198.51.100.2")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert SmsMessage.objects.count() == 1


def test_the_phone_throttle_keys_any_text_by_its_digest(rf):
    """A lone surrogate (which UTF-8 cannot encode) becomes a key like any other text."""
    request = type("Request", (), {"data": {"phone": "\ud800"}})()

    key = CodeSendPhoneThrottle().get_ident_key(request, view=None)

    assert key == f"phone:{key_digest(chr(0xD800))}"
    assert len(key) == len("phone:") + 32


def test_a_lone_surrogate_in_the_phone_is_400_and_sends_nothing(api_client):
    body = b'{"phone": "\\ud800"}'

    response = api_client.generic("POST", SEND, body, content_type="application/json")

    assert response.status_code == 400
    # The JSON parser or the field refuses it, depending on the parser in use; never a 500.
    assert response.json()["code"] in ("parse_error", "invalid")
    assert SmsMessage.objects.count() == 0
