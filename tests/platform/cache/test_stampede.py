"""Concurrent misses on one key: one loader call, in one process and across processes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.platform.cache.support import metric


class SlowLoader:
    def __init__(self, seconds: float = 0.2) -> None:
        self.seconds = seconds
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, int]:
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return {"id": 42}


def _miss_together(caches, loader, threads_per_cache: int) -> list:
    workers = [cache for cache in caches for _ in range(threads_per_cache)]
    start = threading.Barrier(len(workers))

    def read(cache):
        start.wait()
        return cache.get_or_load("article:42", loader, ttl=60)

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return list(pool.map(read, workers))


def test_twenty_threads_missing_at_once_call_the_loader_once(make_cache):
    cache = make_cache()
    loader = SlowLoader()

    results = _miss_together([cache], loader, threads_per_cache=20)

    assert loader.calls == 1
    assert results == [{"id": 42}] * 20
    assert metric("loads", cache=cache.name, path="normal") == 1
    assert metric("hits", cache=cache.name, tier="local") == 19


def test_processes_missing_at_once_wait_for_the_first_loader(make_cache):
    """Two instances stand in for two processes: the Redis loading lock serialises them."""
    caches = [make_cache(name="stampede"), make_cache(name="stampede"), make_cache(name="stampede")]
    loader = SlowLoader()

    results = _miss_together(caches, loader, threads_per_cache=10)

    assert loader.calls == 1
    assert results == [{"id": 42}] * 30


def test_a_slow_loader_elsewhere_is_waited_for_only_briefly(make_cache, redis_client):
    cache = make_cache(load_wait=0.2)
    # Another process holds the loading lock and never finishes.
    redis_client.set(f"sntest:tlc:{cache.name}:l:k", "someone-else", px=10_000)
    started = time.monotonic()

    assert cache.get_or_load("k", lambda: "loaded anyway", ttl=60) == "loaded anyway"

    assert 0.2 <= time.monotonic() - started < 1.0
    assert redis_client.get(f"sntest:tlc:{cache.name}:v:k") is not None
