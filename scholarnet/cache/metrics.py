"""Prometheus counters of the two-level cache, labelled by cache name."""

from prometheus_client import Counter

HITS = Counter(
    "scholarnet_cache_hits",
    "Reads answered from a cache tier (local, redis, or stale local during a Redis outage).",
    ["cache", "tier"],
)
MISSES = Counter(
    "scholarnet_cache_misses",
    "Reads that found the value in neither tier.",
    ["cache"],
)
LOADS = Counter(
    "scholarnet_cache_loads",
    "Loader calls; path is normal, or fallback while Redis is unreachable.",
    ["cache", "path"],
)
REDIS_ERRORS = Counter(
    "scholarnet_cache_redis_errors",
    "Redis calls of the cache that failed.",
    ["cache"],
)
FALLBACK_REJECTED = Counter(
    "scholarnet_cache_fallback_rejected",
    "Reads refused with 503 because every fallback slot to the database was busy.",
    ["cache"],
)
INVALIDATIONS = Counter(
    "scholarnet_cache_invalidations",
    "Keys invalidated by this process.",
    ["cache"],
)
