import datetime

import pytest

from apps.users import selectors
from apps.users.models import User
from apps.users.selectors import profile_cache_key
from scholarnet.cache import TwoLevelCache, two_level_cache
from scholarnet.events.models import OutboxEvent
from tests.users.conftest import unreachable_redis
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
PRIVATE_FIELDS = {"email", "phone", "birthday", "password", "wechat_union_id", "wechat_open_id"}


@pytest.fixture
def ada():
    return UserFactory(
        email="ada@example.org",
        phone="+447700900123",
        nickname="Ada",
        avatar_url="https://img.example.org/ada.png",
        about="Analytical engines.",
        birthday=datetime.date(1815, 12, 10),
        wechat_open_id="o-ada",
    )


def test_public_profile_has_exactly_the_public_fields(api_client, ada):
    response = api_client.get(f"/api/v1/users/{ada.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": ada.pk,
        "nickname": "Ada",
        "avatar_url": "https://img.example.org/ada.png",
        "about": "Analytical engines.",
        "orcid": None,
        "follower_count": 0,
        "followee_count": 0,
        "followed": False,
    }
    assert not PRIVATE_FIELDS & set(response.json())
    assert "ada@example.org" not in response.content.decode()
    assert "+447700900123" not in response.content.decode()


def test_unknown_and_deactivated_users_are_404(api_client):
    gone = UserFactory(is_active=False)

    for user_id in (gone.pk, gone.pk + 1000):
        response = api_client.get(f"/api/v1/users/{user_id}")
        assert response.status_code == 404
        assert response.json() == {"detail": "User not found.", "code": "not_found", "extra": {}}


def test_warm_profile_is_served_without_queries(api_client, ada, django_assert_num_queries):
    with django_assert_num_queries(2):  # the profile, and its follow counts' stat row
        api_client.get(f"/api/v1/users/{ada.pk}")
    with django_assert_num_queries(0):
        response = api_client.get(f"/api/v1/users/{ada.pk}")

    assert response.json()["nickname"] == "Ada"


def test_profile_is_served_from_redis_after_the_local_tier_is_cleared(
    api_client, ada, django_assert_num_queries
):
    api_client.get(f"/api/v1/users/{ada.pk}")
    two_level_cache.clear_local()

    with django_assert_num_queries(0):
        response = api_client.get(f"/api/v1/users/{ada.pk}")

    assert response.json()["about"] == "Analytical engines."


def test_profile_edit_invalidates_the_cached_profile_on_commit(
    api_client, signed_in, user, django_capture_on_commit_callbacks
):
    assert api_client.get(f"/api/v1/users/{user.pk}").json()["nickname"] == "Ada"

    with django_capture_on_commit_callbacks(execute=True):
        api_client.patch(ME, {"nickname": "Countess"})

    assert not two_level_cache.cached_locally(profile_cache_key(user.pk))
    assert api_client.get(f"/api/v1/users/{user.pk}").json()["nickname"] == "Countess"


def test_cache_is_not_invalidated_before_the_commit(
    api_client, signed_in, user, django_capture_on_commit_callbacks
):
    api_client.get(f"/api/v1/users/{user.pk}")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_client.patch(ME, {"nickname": "Countess"})

    assert two_level_cache.cached_locally(profile_cache_key(user.pk))
    assert len(callbacks) >= 1


def test_profile_is_served_from_the_database_while_redis_is_down(
    api_client, ada, monkeypatch, django_assert_num_queries
):
    broken = TwoLevelCache(redis=unreachable_redis(), name="users-redis-down", listen=False)
    monkeypatch.setattr(selectors, "two_level_cache", broken)

    with django_assert_num_queries(2):  # the profile, and its follow counts' stat row
        response = api_client.get(f"/api/v1/users/{ada.pk}")

    assert response.status_code == 200
    assert response.json()["nickname"] == "Ada"
    # The fallback keeps what it loaded locally, so repeats spare the database.
    with django_assert_num_queries(0):
        assert api_client.get(f"/api/v1/users/{ada.pk}").status_code == 200


def test_me_shows_private_fields(api_client, ada):
    from tests.users.conftest import bearer, login

    bearer(api_client, login(api_client, ada.email)["access"])
    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": ada.pk,
        "email": "ada@example.org",
        "phone": "+447700900123",
        "nickname": "Ada",
        "avatar_url": "https://img.example.org/ada.png",
        "about": "Analytical engines.",
        "birthday": "1815-12-10",
        "date_joined": ada.date_joined.isoformat().replace("+00:00", "Z"),
        "follower_count": 0,
        "followee_count": 0,
        "email_digest": True,
    }


def test_me_needs_authentication(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_costs_no_query_once_warm(api_client, signed_in, django_assert_num_queries):
    # The follow counts are in Redis, the user in the process (apps.users.user_cache).
    api_client.get(ME)
    with django_assert_num_queries(0):
        assert api_client.get(ME).status_code == 200


def test_patch_me_updates_the_profile_and_publishes(api_client, signed_in, user):
    response = api_client.patch(
        ME,
        {
            "nickname": "Countess",
            "avatar_url": "https://img.example.org/c.png",
            "about": "Notes on the engine.",
            "birthday": "1990-02-03",
        },
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.nickname, user.avatar_url, user.about, user.birthday) == (
        "Countess",
        "https://img.example.org/c.png",
        "Notes on the engine.",
        datetime.date(1990, 2, 3),
    )
    assert response.json()["birthday"] == "1990-02-03"
    event = OutboxEvent.objects.filter(type="user.changed").latest("id")
    assert event.payload["change"] == "updated"
    assert event.payload["nickname"] == "Countess"


def test_patch_me_cannot_change_email_or_phone(api_client, signed_in, user):
    response = api_client.patch(ME, {"email": "mallory@example.org", "phone": "+15550000000"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.phone) == ("ada@example.org", None)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"nickname": "x" * 65}, "nickname", "Ensure this field has no more than 64 characters."),
        ({"about": "x" * 1025}, "about", "Ensure this field has no more than 1024 characters."),
        ({"avatar_url": "not a url"}, "avatar_url", "Enter a valid URL."),
        (
            {"avatar_url": "ftp://img.example.org/a.png"},
            "avatar_url",
            "Enter an http or https URL.",
        ),
        ({"birthday": "2999-01-01"}, "birthday", "Enter a date between 1900-01-01 and today."),
        ({"birthday": "1815-12-10"}, "birthday", "Enter a date between 1900-01-01 and today."),
        (
            {"birthday": "10/12/1990"},
            "birthday",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
    ],
)
def test_patch_me_validates_each_field(api_client, signed_in, user, payload, field, message):
    response = api_client.patch(ME, payload)

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {field: [message]}
    user.refresh_from_db()
    assert (user.nickname, user.about, user.avatar_url, user.birthday) == (
        "Ada",
        "Works on sparse linear algebra.",
        "",
        None,
    )


def test_user_ids_route_only_digits(api_client):
    assert api_client.get("/api/v1/users/abc").status_code == 404
    assert User.objects.count() == 0


def test_ids_beyond_the_integer_column_are_404_not_500(api_client):
    assert api_client.get("/api/v1/users/99999999999999999999").status_code == 404
    assert api_client.get("/api/v1/users/999999999999999999").status_code == 404
