import importlib

import pytest
from django.test import RequestFactory

from bench import urls as bench_urls
from bench import views


@pytest.fixture
def reload_bench_urls(settings):
    def reload(enabled: bool) -> list:
        settings.BENCH_VIEWS = enabled
        return importlib.reload(bench_urls).urlpatterns

    yield reload
    settings.BENCH_VIEWS = False
    importlib.reload(bench_urls)


def test_bench_views_are_not_routed_by_default(client):
    assert client.get("/bench/bare").status_code == 404
    assert client.get("/bench/cached").status_code == 404


def test_bench_views_are_routed_only_when_the_setting_is_on(reload_bench_urls):
    assert reload_bench_urls(False) == []
    routes = [str(pattern.pattern) for pattern in reload_bench_urls(True)]

    assert routes == ["bare", "cached", "cached-redis", "insert", "cache-stats"]


def test_bare_returns_the_healthz_bytes(client):
    bare = views.bare(RequestFactory().get("/bench/bare"))
    healthz = client.get("/healthz")

    assert healthz.status_code == 200
    assert bare.content == healthz.content == views.BARE_BODY
    assert bare["Content-Type"] == healthz["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_cached_views_answer_from_the_two_level_cache():
    request = RequestFactory().get("/bench/cached")

    assert views.cached(request).content == b'{"status":"ok"}'
    assert views.cached_redis(request).content == b'{"status":"ok"}'


@pytest.mark.django_db
def test_cache_stats_reports_this_workers_counters():
    import json
    import os

    from apps.users.providers import local_follow_counts
    from scholarnet.cache import two_level_cache

    local_follow_counts.get(424242)
    local_follow_counts.get(424242)
    for _ in range(2):  # a load, then a local hit
        two_level_cache.get_or_load("bench:stats-test", lambda: 1, ttl=5)
    data = json.loads(views.cache_stats(RequestFactory().get("/bench/cache-stats")).content)

    assert data["pid"] == os.getpid()
    assert data["refresh_ahead"]["user follow counts"]["hits"] >= 1
    assert data["two_level"]["scholarnet_cache_hits{cache=default,tier=local}"] >= 1
