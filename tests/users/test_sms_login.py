import re

import pytest
from django.test import override_settings

from apps.sms.models import SmsMessage
from apps.users.models import User, UserSession
from apps.users.tokens import access_token_decode
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/sms/send"
LOGIN = "/api/v1/auth/sms/login"
PHONE = "+8613800138000"


def sent_code(phone: str) -> str:
    """The code in the last text the (console) provider sent to ``phone``."""
    message = SmsMessage.objects.filter(phone=phone).latest("id")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def test_send_answers_202_and_texts_a_six_digit_code(api_client):
    response = api_client.post(SEND, {"phone": PHONE})

    assert response.status_code == 202
    message = SmsMessage.objects.get()
    assert message.phone == PHONE
    assert message.text == f"Your ScholarNet code is {sent_code(PHONE)}. It expires in 10 minutes."


def test_sending_again_within_a_minute_is_429(api_client):
    api_client.post(SEND, {"phone": PHONE})

    response = api_client.post(SEND, {"phone": PHONE})

    assert response.status_code == 429
    assert response.json()["code"] == "code_send_too_frequent"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert SmsMessage.objects.count() == 1


@override_settings(RATELIMIT_CODE_SEND_IP="2/1h")
def test_sends_from_one_ip_are_limited_across_phones(api_client):
    for n in range(2):
        assert api_client.post(SEND, {"phone": f"+861380013800{n}"}).status_code == 202

    response = api_client.post(SEND, {"phone": "+8613800138009"})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert SmsMessage.objects.count() == 2


def test_phone_must_be_e164(api_client):
    response = api_client.post(SEND, {"phone": "13800138000"})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "phone": ["Enter a phone number in E.164 form, e.g. +8613800138000."]
    }
    assert SmsMessage.objects.count() == 0


def test_first_login_creates_the_user_and_answers_tokens(api_client):
    api_client.post(SEND, {"phone": PHONE})

    response = api_client.post(LOGIN, {"phone": PHONE, "code": sent_code(PHONE)})

    assert response.status_code == 200
    user = User.objects.get()
    assert (user.phone, user.email, user.has_usable_password()) == (PHONE, None, False)
    body = response.json()
    assert response["x-jwt-token"] == body["access"]
    assert access_token_decode(body["access"])["user_id"] == str(user.pk)
    assert UserSession.objects.get().user == user


def test_login_finds_the_existing_user_by_phone(api_client):
    existing = UserFactory(phone=PHONE)
    api_client.post(SEND, {"phone": PHONE})

    response = api_client.post(LOGIN, {"phone": PHONE, "code": sent_code(PHONE)})

    assert response.status_code == 200
    assert User.objects.get() == existing
    assert UserSession.objects.get().user == existing


def test_a_code_works_once(api_client):
    api_client.post(SEND, {"phone": PHONE})
    code = sent_code(PHONE)
    api_client.post(LOGIN, {"phone": PHONE, "code": code})

    again = api_client.post(LOGIN, {"phone": PHONE, "code": code})

    assert again.status_code == 400
    assert again.json()["code"] == "code_expired"
    assert UserSession.objects.count() == 1


def test_wrong_codes_are_refused_and_the_third_kills_the_code(api_client):
    api_client.post(SEND, {"phone": PHONE})
    right = sent_code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    answers = [
        api_client.post(LOGIN, {"phone": PHONE, "code": wrong}).json()["code"] for _ in "123"
    ]
    after = api_client.post(LOGIN, {"phone": PHONE, "code": right})

    assert answers == ["code_invalid", "code_invalid", "code_attempts_exhausted"]
    assert after.json()["code"] == "code_attempts_exhausted"
    assert User.objects.count() == 0


def test_deactivated_phone_user_cannot_sign_in(api_client):
    UserFactory(phone=PHONE, is_active=False)
    api_client.post(SEND, {"phone": PHONE})

    response = api_client.post(LOGIN, {"phone": PHONE, "code": sent_code(PHONE)})

    assert (response.status_code, response.json()["code"]) == (401, "user_inactive")
    assert UserSession.objects.count() == 0


def test_code_must_be_six_digits(api_client):
    response = api_client.post(LOGIN, {"phone": PHONE, "code": "12ab"})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["code"]
