"""Test doubles shared by the cache tests."""

from __future__ import annotations

from typing import Any

import redis
from prometheus_client import REGISTRY

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


class SpyRedis(redis.Redis):
    """A client on the test Redis that records its commands and can pretend Redis is down."""

    def __init__(self, *, connection_pool: redis.ConnectionPool) -> None:
        super().__init__(connection_pool=connection_pool)
        self.commands: list[str] = []
        self.failed_attempts = 0
        self.broken = False

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.broken:
            self.failed_attempts += 1
            raise redis.ConnectionError("Redis is down for this test")
        self.commands.append(str(args[0]).upper())
        return super().execute_command(*args, **options)


class CountingLoader:
    """A loader that returns ``value`` and counts its calls."""

    def __init__(self, value: Any = "value") -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"scholarnet_cache_{name}_total", labels) or 0.0
