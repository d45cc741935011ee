"""RedisRateThrottle on small DRF views served by this module's own URL map."""

from types import SimpleNamespace

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from scholarnet.ratelimit.scopes import RateScope
from scholarnet.ratelimit.throttles import RedisRateThrottle
from tests.support.concurrency import run_together


class EmailThrottle(RedisRateThrottle):
    scope = "test_email"

    def get_ident_key(self, request, view):
        return f"email:{str(request.data.get('email', '')).lower()}"


class ActionView(APIView):
    authentication_classes: list = []
    throttle_classes = [RedisRateThrottle]
    throttle_scope = "test_action"

    def post(self, request):
        return Response({"ok": True})


class LoginView(APIView):
    authentication_classes: list = []
    throttle_classes = [EmailThrottle]

    def post(self, request):
        return Response({"ok": True})


class UnthrottledView(APIView):
    authentication_classes: list = []
    throttle_classes = [RedisRateThrottle]  # no scope anywhere: nothing to count

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("action", ActionView.as_view()),
    path("login", LoginView.as_view()),
    path("free", UnthrottledView.as_view()),
]

pytestmark = pytest.mark.urls(__name__)


TEST_ACTION = RateScope("test_action", default="9/60s")
TEST_EMAIL = RateScope("test_email", default="9/60s")


@pytest.fixture(autouse=True)
def rates(settings):
    settings.RATELIMIT_TEST_ACTION = "2/60s"
    settings.RATELIMIT_TEST_EMAIL = "1/60s"
    return settings


@pytest.fixture
def api():
    return APIClient()


def test_over_the_scope_rate_answers_429_envelope(api):
    statuses = [api.post("/action").status_code for _ in range(2)]

    refused = api.post("/action")

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Too many requests. Try again later.",
        "code": "rate_limited",
        "extra": {"retry_after": 60},
    }
    assert refused["Retry-After"] == "60"


def test_anonymous_clients_are_counted_per_ip(api):
    for _ in range(2):
        api.post("/action", REMOTE_ADDR="198.51.100.1")

    assert api.post("/action", REMOTE_ADDR="198.51.100.1").status_code == 429
    assert api.post("/action", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_signed_in_users_are_counted_per_user_whatever_their_ip():
    factory = APIRequestFactory()
    view = ActionView.as_view()

    def post_as(user_id: int, ip: str) -> int:
        request = factory.post("/action", REMOTE_ADDR=ip)
        force_authenticate(request, user=SimpleNamespace(pk=user_id, is_authenticated=True))
        return view(request).status_code

    assert [post_as(1, "198.51.100.1"), post_as(1, "198.51.100.2")] == [200, 200]
    assert post_as(1, "198.51.100.3") == 429
    assert post_as(2, "198.51.100.1") == 200


def test_subclass_can_key_by_something_else(api):
    assert api.post("/login", {"email": "ada@example.org"}).status_code == 200
    assert api.post("/login", {"email": "ADA@example.org"}).status_code == 429
    assert api.post("/login", {"email": "alan@example.org"}).status_code == 200


def test_view_without_a_scope_is_not_throttled(api):
    assert [api.post("/free").status_code for _ in range(5)] == [200] * 5


def test_redis_down_fail_closed_answers_503_envelope(api, rates, redis_down):
    rates.RATELIMIT_FAIL_OPEN = False

    response = api.post("/action")

    assert response.status_code == 503
    assert response.json()["code"] == "rate_limiter_unavailable"


def test_redis_down_fail_open_admits(api, rates, redis_down):
    rates.RATELIMIT_FAIL_OPEN = True

    assert [api.post("/action").status_code for _ in range(4)] == [200] * 4


def test_fifty_concurrent_requests_admit_exactly_ten(rates):
    rates.RATELIMIT_TEST_ACTION = "10/60s"

    statuses = run_together(
        50, lambda _: APIClient().post("/action", REMOTE_ADDR="198.51.100.9").status_code
    )

    assert statuses.count(200) == 10
    assert statuses.count(429) == 40
