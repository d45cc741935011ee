"""The anonymous fast path of GET /users/{id} answers exactly what the API view answers, from the
process-local tier, and an edit reaches it through the invalidation."""

from __future__ import annotations

import pytest
from django.test import Client
from django_redis import get_redis_connection

from apps.users import services
from apps.users.apis import UserViewSet
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

# Headers that vary per response, or that the test client adds itself.
PER_RESPONSE = {"X-Request-ID", "Content-Length"}


@pytest.fixture
def api_view_calls(monkeypatch) -> list[int]:
    """The ids the DRF retrieve action was asked for: empty when the fast path answered."""
    calls: list[int] = []
    original = UserViewSet.retrieve

    def spy(self, request, pk):
        calls.append(int(pk))
        return original(self, request, pk)

    monkeypatch.setattr(UserViewSet, "retrieve", spy)
    return calls


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_RESPONSE}


@pytest.fixture
def ada():
    return UserFactory(
        email="ada@example.org",
        nickname="Ada ✓ \u00e9",
        avatar_url="https://img.example.org/ada.png",
        about='Analytical "engines".',
    )


def test_an_anonymous_read_gets_the_api_views_bytes_and_headers(ada, api_view_calls):
    client = Client(HTTP_USER_AGENT=USER_AGENT)

    fast = client.get(f"/api/v1/users/{ada.pk}")
    # The same request with a JSON media type the fast path leaves to the API view.
    full = client.get(f"/api/v1/users/{ada.pk}", HTTP_ACCEPT="application/json; charset=utf-8")

    assert api_view_calls == [ada.pk]  # only the second request reached the API view
    assert fast.status_code == full.status_code == 200
    assert fast.content == full.content
    assert headers(fast) == headers(full)
    assert fast.json()["nickname"] == "Ada ✓ \u00e9"


def test_a_warm_profile_costs_no_query_and_no_redis_command(
    ada, api_view_calls, django_assert_num_queries, monkeypatch
):
    client = Client()
    client.get(f"/api/v1/users/{ada.pk}")  # warms the local tier
    commands: list[str] = []
    connection = get_redis_connection("default")
    real = type(connection).execute_command

    def counting(self, *args, **options):
        commands.append(str(args[0]))
        return real(self, *args, **options)

    monkeypatch.setattr(type(connection), "execute_command", counting)

    with django_assert_num_queries(0):
        response = client.get(f"/api/v1/users/{ada.pk}")

    assert response.status_code == 200
    # The global per-IP limit is the request's only Redis command: the profile costs none.
    assert commands == ["EVALSHA"]
    assert api_view_calls == []


def test_an_edit_reaches_the_fast_path(ada, api_view_calls, django_capture_on_commit_callbacks):
    client = Client()
    assert client.get(f"/api/v1/users/{ada.pk}").json()["nickname"] == "Ada ✓ \u00e9"

    with django_capture_on_commit_callbacks(execute=True):
        services.user_profile_update(user=ada, data={"nickname": "Countess"})

    assert client.get(f"/api/v1/users/{ada.pk}").json()["nickname"] == "Countess"
    assert api_view_calls == []


def test_unknown_deactivated_and_signed_in_reads_go_to_the_api_view(ada, api_view_calls):
    gone = UserFactory(is_active=False)
    assert Client().get("/api/v1/users/987654").json()["code"] == "not_found"
    assert Client().get(f"/api/v1/users/{gone.pk}").status_code == 404
    signed_in = bearer(APIClientWithAgent(), login(APIClientWithAgent(), ada.email)["access"])

    assert signed_in.get(f"/api/v1/users/{ada.pk}").status_code == 200
    assert api_view_calls == [987654, gone.pk, ada.pk]


def APIClientWithAgent():
    from rest_framework.test import APIClient

    return APIClient(HTTP_USER_AGENT=USER_AGENT)
