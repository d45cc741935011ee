"""The signed-in request's user from the process, while its version token in Redis holds."""

from __future__ import annotations

import pytest
from django_redis import get_redis_connection

from apps.users import user_cache
from apps.users.models import User
from apps.users.user_cache import user_version_key

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


@pytest.fixture(autouse=True)
def _fresh_copies():
    user_cache.user_cache_clear()
    yield
    user_cache.user_cache_clear()


def _warm(client) -> None:
    assert client.get(ME).status_code == 200
    assert client.get(ME).status_code == 200


def test_a_warm_request_loads_no_user(api_client, signed_in, django_assert_num_queries):
    _warm(api_client)
    with django_assert_num_queries(0):
        assert api_client.get(ME).status_code == 200


def test_a_deactivation_by_save_is_refused_at_once(api_client, signed_in, user):
    _warm(api_client)
    # Not through user_deactivate (which also revokes the sessions): the save alone must do.
    fresh = User.objects.get(pk=user.pk)
    fresh.is_active = False
    fresh.save(update_fields=["is_active"])

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_change_in_another_process_is_seen_on_the_next_request(
    api_client, signed_in, user, django_assert_num_queries
):
    _warm(api_client)
    # Another process saved the user: the row changed and the token moved, no signal here.
    User.objects.filter(pk=user.pk).update(nickname="Countess")
    get_redis_connection("default").set(user_version_key(user.pk), "elsewhere")

    with django_assert_num_queries(1):
        response = api_client.get(ME)

    assert response.json()["nickname"] == "Countess"


def test_a_lost_token_never_matches_an_old_copy(api_client, signed_in, user):
    _warm(api_client)
    get_redis_connection("default").delete(user_version_key(user.pk))  # e.g. Redis lost its data
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert api_client.get(ME).status_code == 401


def test_each_request_gets_its_own_copy(api_client, signed_in, user):
    _warm(api_client)
    state = get_redis_connection("default").get(user_version_key(user.pk)).decode()

    first = user_cache.user_for_session(user_id=user.pk, version=state, load=_no_load)
    first.nickname = "changed by a view"
    second = user_cache.user_for_session(user_id=user.pk, version=state, load=_no_load)

    assert first is not second
    assert second.nickname == "Ada"


def test_a_zero_ttl_loads_every_time(api_client, signed_in, settings, django_assert_num_queries):
    settings.USERS_AUTH_CACHE_TTL = 0
    _warm(api_client)
    with django_assert_num_queries(1):
        assert api_client.get(ME).status_code == 200


def test_the_copies_are_bounded(settings):
    settings.USERS_AUTH_CACHE_SIZE = 2
    users = [User.objects.create(email=f"u{n}@example.org") for n in range(3)]
    for user in users:
        user_cache._copies.put(user, "v")

    assert user_cache._copies.get(users[0].pk, "v") is None
    assert user_cache._copies.get(users[2].pk, "v") is not None


def _no_load(**kwargs):
    raise AssertionError("the copy should have answered")
