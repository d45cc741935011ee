"""Bench-only views: references for the load runner, never routed in normal production.

``bare`` is the floor every scenario is compared with: a plain function view that returns fixed
bytes (the same JSON bytes ``/healthz`` produces) after the full middleware stack, and nothing else.
The ``cached`` views put one two-level cache read in front of the same bytes.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse

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
