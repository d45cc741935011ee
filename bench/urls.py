"""Bench-only routes. Empty unless ``BENCH_VIEWS`` (env ``BENCH_VIEWS``) is on, which
only the benchmark runner does: these views must never be reachable in normal production."""

from django.conf import settings
from django.urls import URLPattern, path

app_name = "bench"

urlpatterns: list[URLPattern] = []

if settings.BENCH_VIEWS:
    from bench import views

    urlpatterns = [
        path("bare", views.bare, name="bare"),
        path("cached", views.cached, name="cached"),
        path("cached-redis", views.cached_redis, name="cached-redis"),
        path("insert", views.insert, name="insert"),
        path("cache-stats", views.cache_stats, name="cache-stats"),
    ]
