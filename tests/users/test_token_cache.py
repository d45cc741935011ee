"""Access tokens verified once per process, until they expire, under the key that signed them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.users import tokens

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


@pytest.fixture(autouse=True)
def _fresh():
    tokens._verified_access_tokens.clear()
    yield
    tokens._verified_access_tokens.clear()


def test_a_verified_token_is_not_verified_again(api_client, signed_in, monkeypatch):
    assert api_client.get(ME).status_code == 200
    monkeypatch.setattr(tokens, "_decode", _must_not_decode)

    assert api_client.get(ME).status_code == 200


def test_a_verified_token_still_expires(api_client, signed_in, time_machine):
    assert api_client.get(ME).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(minutes=31))

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_new_signing_key_verifies_nothing_old(api_client, signed_in, settings):
    assert api_client.get(ME).status_code == 200
    settings.JWT_SIGNING_KEY = "another-signing-key-0123456789abcdef-0123456789"

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_a_caller_cannot_change_the_kept_claims(api_client, signed_in):
    raw = signed_in["access"]
    first = tokens.access_token_decode(raw)
    first["user_id"] = "999"

    assert tokens.access_token_decode(raw)["user_id"] != "999"


def _must_not_decode(*args, **kwargs):
    raise AssertionError("the verified claims should have answered")
