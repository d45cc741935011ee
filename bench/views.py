"""Bench-only views: references for the load runner, never routed in normal production.

``bare`` is the floor every scenario is compared with: a plain function view that returns fixed
bytes (the same JSON bytes ``/healthz`` produces) after the full middleware stack, and nothing else.
The ``cached`` views put one two-level cache read in front of the same bytes. ``insert`` is the
floor under a like: one INSERT of a like row in a transaction, and nothing else.
``cache_stats`` tells the runner how this worker's caches answered (see ``bench.measure``).
"""

from __future__ import annotations

import itertools
import os
from functools import cache
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from scholarnet.cache import two_level_cache

BARE_BODY = b'{"status": "ok"}'
CACHED_KEY = "bench:cached"
CACHED_TTL_S = 60


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_BODY, content_type="application/json")


def cached(request: HttpRequest) -> HttpResponse:
    """The hot path: a fresh process-local entry answers, Redis is not touched."""
    value = two_level_cache.get_or_load(CACHED_KEY, _load_payload, ttl=CACHED_TTL_S)
    return _json(value)


def cached_redis(request: HttpRequest) -> HttpResponse:
    """The second tier: no local lifetime, so every read is a Redis round trip."""
    value = two_level_cache.get_or_load(
        f"{CACHED_KEY}:redis", _load_payload, ttl=CACHED_TTL_S, local_ttl=0
    )
    return _json(value)


def _json(value: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(value), content_type="application/json")


def _load_payload() -> dict[str, Any]:
    return {"status": "ok"}


_insert_numbers = itertools.count(1)


@cache
def _insert_user_id() -> int:
    user_id = get_user_model().objects.order_by("id").values_list("id", flat=True).first()
    if user_id is None:
        raise RuntimeError("the insert floor needs one user: run bench_data first")
    return int(user_id)


def insert(request: HttpRequest) -> HttpResponse:
    """One like row INSERTed in its own transaction, on an article id no article has (< 0).

    What a like costs at the least: ``like_toggle`` adds authentication, the rate limit, the
    visibility check, the stat row's lock and update, the outbox row and the Redis increment.
    """
    from apps.interactions.models import ArticleLike

    article_id = -(os.getpid() * 1_000_000_000 + next(_insert_numbers))
    with transaction.atomic():
        ArticleLike.objects.create(user_id=_insert_user_id(), article_id=article_id)
    return HttpResponse(BARE_BODY, content_type="application/json")


def cache_stats(request: HttpRequest) -> JsonResponse:
    """This worker's cache counters: the refresh-ahead tables' and the two-level cache's.

    Per process: the runner asks until it has heard from every worker, and sums the differences
    over a measurement.
    """
    from scholarnet.cache import metrics
    from scholarnet.cache.refresh_ahead import refresh_ahead_stats

    two_level: dict[str, float] = {}
    for metric in (metrics.HITS, metrics.MISSES, metrics.LOADS, metrics.INVALIDATIONS):
        for family in metric.collect():
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                    two_level[f"{sample.name.removesuffix('_total')}{{{labels}}}"] = sample.value
    return JsonResponse(
        {"pid": os.getpid(), "refresh_ahead": refresh_ahead_stats(), "two_level": two_level}
    )
