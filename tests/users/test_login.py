import pytest

from apps.users.models import User, UserSession
from apps.users.tokens import access_token_decode, refresh_token_decode, user_agent_hash
from tests.users.conftest import USER_AGENT
from tests.users.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
INVALID = {
    "detail": "The email or password is not correct.",
    "code": "invalid_credentials",
    "extra": {},
}


def test_login_answers_the_pair_in_the_body_and_headers(api_client, user):
    response = api_client.post(LOGIN, {"email": "ADA@example.org", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    session = UserSession.objects.get()
    assert body == {
        "access": response["x-jwt-token"],
        "refresh": response["x-refresh-token"],
        "session_id": str(session.sid),
    }
    access, refresh = access_token_decode(body["access"]), refresh_token_decode(body["refresh"])
    assert (access["user_id"], access["sid"]) == (str(user.pk), str(session.sid))
    assert access["uah"] == user_agent_hash(USER_AGENT)
    assert (refresh["user_id"], refresh["sid"], refresh["gen"]) == (
        str(user.pk),
        str(session.sid),
        0,
    )
    assert access["exp"] - access["iat"] == 30 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_login_records_the_device(api_client, user):
    api_client.post(LOGIN, {"email": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.5")

    session = UserSession.objects.get()
    assert (session.user_id, session.kind, session.user_agent, session.ip) == (
        user.pk,
        "jwt",
        USER_AGENT,
        "203.0.113.5",
    )
    assert session.revoked_at is None
    user.refresh_from_db()
    assert user.last_login == session.created_at


def test_wrong_password_and_unknown_email_get_the_same_answer(api_client, user):
    wrong = api_client.post(LOGIN, {"email": user.email, "password": "not-the-password"})
    unknown = api_client.post(LOGIN, {"email": "nobody@example.org", "password": PASSWORD})

    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert wrong.json() == unknown.json() == INVALID
    assert UserSession.objects.count() == 0


def test_unknown_email_still_runs_the_password_hasher(api_client, monkeypatch):
    import apps.users.services as services

    hashed = []
    real = services.make_password
    monkeypatch.setattr(services, "make_password", lambda pw: hashed.append(pw) or real(pw))

    api_client.post(LOGIN, {"email": "nobody@example.org", "password": "guess-123"})

    assert hashed == ["guess-123"]


def test_deactivated_user_gets_the_same_answer_as_a_wrong_password(api_client):
    UserFactory(email="gone@example.org", is_active=False)

    response = api_client.post(LOGIN, {"email": "gone@example.org", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_stale_token_does_not_block_logging_in_again(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 200


def test_login_needs_both_fields(api_client):
    response = api_client.post(LOGIN, {"email": "ada@example.org"})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"password": ["This field is required."]}
    assert User.objects.count() == 0
