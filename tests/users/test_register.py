import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.users.models import User
from scholarnet.events.models import OutboxEvent

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"


def test_register_creates_the_user_and_answers_201_with_it(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "Grace@Example.ORG", "password": "tidal-quartz-meadow-7", "nickname": "G"},
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {
        "id": user.pk,
        "email": "grace@example.org",
        "phone": None,
        "nickname": "G",
        "avatar_url": "",
        "about": "",
        "birthday": None,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
        "follower_count": 0,
        "followee_count": 0,
        "email_digest": True,
    }
    assert user.check_password("tidal-quartz-meadow-7")
    assert user.password.startswith("md5$")  # the test hasher; production uses Argon2


def test_register_publishes_user_changed_without_private_fields(api_client):
    api_client.post(REGISTER, {"email": "grace@example.org", "password": "tidal-quartz-meadow-7"})

    event = OutboxEvent.objects.get(type="user.changed")
    user = User.objects.get()
    assert event.key == f"user:{user.pk}"
    assert event.payload == {
        "user_id": user.pk,
        "change": "created",
        "nickname": "",
        "avatar_url": "",
        "about": "",
        "is_active": True,
    }


def test_duplicate_email_is_409_email_taken_in_any_case(api_client, user):
    response = api_client.post(
        REGISTER, {"email": "ADA@example.org", "password": "tidal-quartz-7x"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "An account with this email already exists.",
        "code": "email_taken",
        "extra": {},
    }
    assert User.objects.count() == 1


def test_duplicate_is_detected_by_the_insert_not_a_pre_query(api_client, user):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.post(REGISTER, {"email": user.email, "password": "tidal-quartz-7x"})

    assert response.status_code == 409
    verbs = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    # SAVEPOINT, the INSERT that hits the unique index, ROLLBACK TO, RELEASE; never a SELECT.
    # (MySQLdb reports a failed statement's text as "None".)
    assert len(verbs) == 4
    assert verbs[1] in {"INSERT", "NONE"}
    assert "SELECT" not in verbs


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short. It must contain at least 8 characters."),
        ("12345678901", "This password is entirely numeric."),
        ("password123", "This password is too common."),
    ],
)
def test_weak_passwords_are_refused_with_a_field_error(api_client, password, message):
    response = api_client.post(REGISTER, {"email": "grace@example.org", "password": password})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert message in body["extra"]["fields"]["password"]
    assert User.objects.count() == 0


def test_password_like_the_email_is_refused(api_client):
    response = api_client.post(
        REGISTER, {"email": "gracehopper@example.org", "password": "gracehopper1"}
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["password"] == [
        "The password is too similar to the email."
    ]


def test_invalid_email_and_missing_password_are_field_errors(api_client):
    response = api_client.post(REGISTER, {"email": "not-an-email"})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "email": ["Enter a valid email address."],
        "password": ["This field is required."],
    }
    assert User.objects.count() == 0
