"""The global per-IP limit through the full middleware stack."""

import pytest
from django.test import Client

from tests.platform.ratelimit import urls
from tests.support.concurrency import run_together

pytestmark = pytest.mark.urls("tests.platform.ratelimit.urls")


@pytest.fixture(autouse=True)
def global_limit(settings):
    settings.RATELIMIT_GLOBAL = "3/60s"
    urls.calls.clear()
    return settings


def test_requests_over_the_limit_get_429_with_envelope_and_retry_after(client):
    statuses = [client.get("/ping").status_code for _ in range(3)]

    refused = client.get("/ping")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "Too many requests. Try again later.",
        "code": "rate_limited",
        "extra": {"retry_after": 60},
    }
    assert refused["Retry-After"] == "60"
    assert len(urls.calls) == 3  # the refused request never reached the view


def test_each_client_ip_has_its_own_budget(client):
    for _ in range(3):
        client.get("/ping", REMOTE_ADDR="198.51.100.1")

    assert client.get("/ping", REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get("/ping", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_clients_behind_a_trusted_proxy_are_told_apart(client, global_limit):
    global_limit.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        client.get("/ping", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)

    assert client.get("/ping", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 429
    assert client.get("/ping", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probe_paths_are_exempt_and_not_counted(client, path):
    statuses = [client.get(path).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert [client.get("/ping").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_switched_off_admits_everything(client, global_limit):
    global_limit.RATELIMIT_ENABLED = False

    assert [client.get("/ping").status_code for _ in range(5)] == [200] * 5


def test_redis_down_fail_open_lets_requests_through(client, global_limit, redis_down):
    global_limit.RATELIMIT_FAIL_OPEN = True

    assert [client.get("/ping").status_code for _ in range(5)] == [200] * 5
    assert len(urls.calls) == 5


def test_redis_down_fail_closed_answers_503(client, global_limit, redis_down):
    global_limit.RATELIMIT_FAIL_OPEN = False

    response = client.get("/ping")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Rate limiting is temporarily unavailable. Try again shortly.",
        "code": "rate_limiter_unavailable",
        "extra": {},
    }
    assert urls.calls == []
    assert client.get("/healthz").status_code == 200  # probes still answer


def test_fifty_concurrent_requests_admit_exactly_ten(global_limit):
    global_limit.RATELIMIT_GLOBAL = "10/60s"

    statuses = run_together(
        50, lambda _: Client().get("/ping", REMOTE_ADDR="198.51.100.7").status_code
    )

    assert statuses.count(200) == 10
    assert statuses.count(429) == 40
    assert len(urls.calls) == 10
