"""Concurrency claims, checked with threads against the real database (MySQL/MariaDB)."""

import pytest
from rest_framework.test import APIClient

from apps.users import services
from apps.users.models import User, UserSession
from tests.support.concurrency import run_together
from tests.users.conftest import USER_AGENT, login
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_parallel_registrations_with_one_email_give_one_201_and_one_409():
    def register(i):
        response = APIClient().post(
            "/api/v1/auth/register",
            {"email": "race@example.org", "password": f"tidal-quartz-meadow-{i}"},
        )
        return response.status_code, response.json().get("code")

    results = run_together(2, register)

    assert sorted(status for status, _ in results) == [201, 409]
    assert (409, "email_taken") in results
    assert User.objects.filter(email="race@example.org").count() == 1


def test_parallel_first_sms_logins_create_one_user():
    results = run_together(
        4, lambda i: services.user_get_or_create_by_phone(phone="+8613800138077")
    )

    assert all(isinstance(user, User) for user in results), results
    assert len({user.pk for user in results}) == 1
    assert User.objects.filter(phone="+8613800138077").count() == 1


def test_parallel_first_wechat_logins_create_one_user():
    results = run_together(
        4, lambda i: services.user_get_or_create_by_wechat(union_id="u-race", open_id="o-race")
    )

    assert all(isinstance(user, User) for user in results), results
    assert len({user.pk for user in results}) == 1
    assert User.objects.count() == 1


def test_one_refresh_token_presented_twice_at_once_succeeds_once_and_revokes():
    user = UserFactory()
    tokens = login(APIClient(HTTP_USER_AGENT=USER_AGENT), user.email)

    def refresh(i):
        client = APIClient(HTTP_USER_AGENT=USER_AGENT)
        response = client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]})
        return response.status_code, response.json().get("code")

    results = run_together(2, refresh)

    assert sorted(results, key=str) == [(200, None), (401, "refresh_reused")]
    assert UserSession.objects.get().revoked_at is not None
