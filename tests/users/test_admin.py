import pytest
from django.test import Client

from apps.users.models import User, UserSession
from tests.users.conftest import bearer, login
from tests.users.factories import UserFactory, UserSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client() -> Client:
    moderator = User.objects.create_superuser("mod@example.org", "moderator-pass-91")
    client = Client()
    client.force_login(moderator)
    return client


def test_search_finds_users_by_email_phone_or_nickname(moderator_client):
    UserFactory(email="ada@example.org", phone="+447700900123", nickname="Countess")
    UserFactory(email="grace@example.org", nickname="Amazing Grace")

    for term in ("ada@", "+447700900123", "Countess"):
        page = moderator_client.get("/admin/users/user/", {"q": term}).content.decode()
        assert "ada@example.org" in page
        assert "grace@example.org" not in page


def test_deactivate_action_stops_the_users_tokens_at_once(moderator_client, api_client, user):
    tokens = login(api_client, user.email)

    response = moderator_client.post(
        "/admin/users/user/", {"action": "deactivate", "_selected_action": [user.pk]}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert UserSession.objects.get().revoked_at is not None
    answer = bearer(api_client, tokens["access"]).get("/api/v1/users/me")
    assert answer.status_code == 401
    assert answer.json()["code"] in {"session_revoked", "user_inactive"}


def test_reactivate_action_lets_the_user_sign_in_again(moderator_client, api_client):
    gone = UserFactory(is_active=False)

    moderator_client.post(
        "/admin/users/user/", {"action": "reactivate", "_selected_action": [gone.pk]}
    )

    gone.refresh_from_db()
    assert gone.is_active is True
    login(api_client, gone.email)


def test_user_page_shows_the_sessions(moderator_client, user):
    UserSessionFactory(user=user, ip="198.51.100.44")

    page = moderator_client.get(f"/admin/users/user/{user.pk}/change/").content.decode()

    assert "198.51.100.44" in page
    assert "Safari on macOS" in page


def test_session_admin_lists_and_revokes(moderator_client, user):
    session = UserSessionFactory(user=user)

    listing = moderator_client.get("/admin/users/usersession/", {"q": user.email})
    moderator_client.post(
        "/admin/users/usersession/", {"action": "revoke", "_selected_action": [session.pk]}
    )

    assert str(session.sid) in listing.content.decode()
    session.refresh_from_db()
    assert session.revoked_at is not None


def test_unticking_active_on_the_form_deactivates_through_the_service(moderator_client, user):
    session = UserSessionFactory(user=user)
    form = {
        "email": user.email,
        "phone": "",
        "nickname": user.nickname,
        "avatar_url": "",
        "about": user.about,
        "birthday": "",
        "wechat_union_id": "",
        "wechat_open_id": "",
        "is_staff": "",
        "is_superuser": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "sessions-TOTAL_FORMS": "1",
        "sessions-INITIAL_FORMS": "1",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        "sessions-0-id": str(session.pk),
        "sessions-0-user": str(user.pk),
    }

    response = moderator_client.post(f"/admin/users/user/{user.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    session.refresh_from_db()
    assert user.is_active is False
    assert session.revoked_at is not None
