import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.users.models import UserSession
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import UserFactory, UserSessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/auth/sessions"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 MicroMessenger/8.0"


def test_lists_my_active_sessions_newest_first(api_client, user):
    phone = UserSessionFactory(user=user, user_agent=IPHONE, ip="198.51.100.7")
    UserSessionFactory(user=user, revoked_at=timezone.now())
    UserSessionFactory(user=user, expires_at=timezone.now() - timedelta(seconds=1))
    UserSessionFactory()  # someone else's
    tokens = login(api_client, user.email)
    current = UserSession.objects.get(sid=tokens["session_id"])

    response = bearer(api_client, tokens["access"]).get(SESSIONS)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": str(current.sid),
                "kind": "jwt",
                "device": "Chrome on Linux",
                "user_agent": USER_AGENT,
                "ip": "127.0.0.1",
                "created_at": current.created_at.isoformat().replace("+00:00", "Z"),
                "last_seen_at": current.last_seen_at.isoformat().replace("+00:00", "Z"),
                "current": True,
            },
            {
                "id": str(phone.sid),
                "kind": "jwt",
                "device": "WeChat on iPhone",
                "user_agent": IPHONE,
                "ip": "198.51.100.7",
                "created_at": phone.created_at.isoformat().replace("+00:00", "Z"),
                "last_seen_at": phone.last_seen_at.isoformat().replace("+00:00", "Z"),
                "current": False,
            },
        ],
        "next": None,
    }


def test_session_list_costs_two_queries(api_client, user, signed_in, django_assert_num_queries):
    UserSessionFactory.create_batch(5, user=user)

    with django_assert_num_queries(2):  # the user, the page
        response = api_client.get(SESSIONS)

    assert len(response.json()["results"]) == 6


def test_session_list_pages_with_a_cursor(api_client, user, signed_in):
    UserSessionFactory.create_batch(4, user=user)

    first = api_client.get(SESSIONS, {"page_size": 3}).json()
    second = api_client.get(SESSIONS, {"page_size": 3, "cursor": first["next"]}).json()

    assert len(first["results"]) == 3
    assert len(second["results"]) == 2
    assert second["next"] is None
    listed = {item["id"] for item in first["results"] + second["results"]}
    assert listed == {str(sid) for sid in UserSession.objects.values_list("sid", flat=True)}


def test_delete_revokes_that_session_and_its_tokens(api_client, user):
    other_device = login(api_client, user.email)
    mine = login(api_client, user.email)

    response = bearer(api_client, mine["access"]).delete(f"{SESSIONS}/{other_device['session_id']}")

    assert response.status_code == 204
    assert UserSession.objects.get(sid=other_device["session_id"]).revoked_at is not None
    assert UserSession.objects.get(sid=mine["session_id"]).revoked_at is None
    gone = bearer(api_client, other_device["access"]).get("/api/v1/users/me")
    assert (gone.status_code, gone.json()["code"]) == (401, "session_revoked")
    listed = bearer(api_client, mine["access"]).get(SESSIONS).json()["results"]
    assert [item["id"] for item in listed] == [mine["session_id"]]


def test_cannot_revoke_someone_elses_session(api_client, signed_in):
    theirs = UserSessionFactory(user=UserFactory())

    response = api_client.delete(f"{SESSIONS}/{theirs.sid}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_unknown_session_id_is_404(api_client, signed_in):
    response = api_client.delete(f"{SESSIONS}/{uuid.uuid4()}")

    assert response.status_code == 404


def test_sessions_need_authentication(api_client):
    assert api_client.get(SESSIONS).status_code == 401
    assert api_client.delete(f"{SESSIONS}/{uuid.uuid4()}").status_code == 401
