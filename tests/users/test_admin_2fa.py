"""ADMIN_REQUIRE_2FA: staff sign in to the admin with a TOTP code, and must enrol first."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.admin_site import ENROL_FIRST
from apps.users.models import User
from tests.users.test_mfa import START, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
STAFF_PASSWORD = "moderator-pass-91"


@pytest.fixture
def staff() -> User:
    return User.objects.create_superuser("mod@example.org", STAFF_PASSWORD)


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True


def sign_in(client: Client, **extra: str):
    return client.post(LOGIN, {"username": "mod@example.org", "password": STAFF_PASSWORD, **extra})


def test_without_the_setting_a_password_opens_the_admin(staff):
    client = Client()
    assert sign_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_without_a_device_are_told_to_enrol(staff, required):
    client = Client()

    response = sign_in(client)

    assert response.status_code == 200
    assert ENROL_FIRST in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still the login page


def test_a_wrong_password_does_not_reveal_the_enrol_rule(staff, required):
    response = Client().post(LOGIN, {"username": "mod@example.org", "password": "nope"})
    assert ENROL_FIRST not in response.content.decode()


def test_staff_with_a_device_need_its_code(staff, required):
    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    with time_machine.travel(START, tick=False):
        client = Client()
        assert sign_in(client).status_code == 200  # no code: the form asks for it
        assert client.get("/admin/").status_code == 302

        response = sign_in(client, otp_device=device.persistent_id, otp_token=totp_code(device))

        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200


def test_a_password_session_without_a_code_is_not_staff(staff, required):
    client = Client()
    client.force_login(staff)  # e.g. signed in through the pages, never verified by a device
    assert client.get("/admin/").status_code == 302
