"""The sliding-window Lua script against real Redis: exact counts, retry_after, sliding, races."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django_redis import get_redis_connection

from scholarnet.ratelimit.limiter import Rate, SlidingWindowLimiter, parse_rate


@pytest.fixture
def redis_client():
    return get_redis_connection("default")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100/60s", Rate(100, 60)),
        ("5/m", Rate(5, 60)),
        ("10/1h", Rate(10, 3600)),
        ("3/2 minutes", Rate(3, 120)),
        ("7/d", Rate(7, 86400)),
        ("4/0.5s", Rate(4, 0.5)),
        ("9/30", Rate(9, 30)),
        (" 2 / 1 SEC ", Rate(2, 1)),
    ],
)
def test_parse_rate(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "5", "5/xs", "5/0s", "-1/60s", "5/ms"])
def test_parse_rate_rejects_nonsense(text):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_admits_exactly_the_limit_then_refuses(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=3, window_seconds=60)

    decisions = [limiter.hit("client") for _ in range(5)]

    assert [(d.allowed, d.remaining) for d in decisions] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
        (False, 0),
    ]
    assert [d.retry_after for d in decisions[:3]] == [0.0, 0.0, 0.0]
    assert all(0 < d.retry_after <= 60 for d in decisions[3:])
    assert redis_client.zcard(limiter.redis_key("client")) == 3  # refusals are not recorded


def test_retry_after_is_when_the_oldest_hit_leaves_the_window(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=1, window_seconds=2)
    limiter.hit("client")
    time.sleep(0.5)

    refused = limiter.hit("client")

    assert refused.allowed is False
    assert 1.3 < refused.retry_after <= 1.5


def test_window_slides_instead_of_resetting(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=2, window_seconds=1)
    assert limiter.hit("client").allowed  # t = 0
    time.sleep(0.5)
    assert limiter.hit("client").allowed  # t = 0.5
    refused = limiter.hit("client")
    assert refused.allowed is False

    time.sleep(refused.retry_after + 0.05)  # the t = 0 hit has left the window

    admitted = limiter.hit("client")
    assert (admitted.allowed, admitted.remaining, admitted.retry_after) == (True, 0, 0.0)
    # The t = 0.5 hit is still inside: a fixed window would have reset both.
    second = limiter.hit("client")
    assert second.allowed is False
    assert 0 < second.retry_after <= 0.5


def test_release_takes_back_exactly_one_admitted_hit(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=2, window_seconds=60)
    first = limiter.hit("client")
    limiter.hit("client")
    assert limiter.hit("client").allowed is False

    limiter.release("client", first.member)

    assert limiter.hit("client").allowed is True
    assert limiter.hit("client").allowed is False
    assert redis_client.zcard(limiter.redis_key("client")) == 2


def test_keys_are_counted_separately(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=1, window_seconds=60)

    assert limiter.hit("alice").allowed
    assert limiter.hit("bob").allowed
    assert not limiter.hit("alice").allowed


def test_key_expires_with_the_window(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=5, window_seconds=30)
    limiter.hit("client")

    assert 29_000 < redis_client.pttl(limiter.redis_key("client")) <= 30_000


def test_reset_forgets_the_hits(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=1, window_seconds=60)
    limiter.hit("client")

    limiter.reset("client")

    assert limiter.hit("client").allowed


def test_application_clock_skew_does_not_matter(redis_client, time_machine):
    """The script reads the Redis server's clock, so a client a day ahead counts the same."""
    limiter = SlidingWindowLimiter(redis_client, limit=2, window_seconds=60)
    assert limiter.hit("client").allowed

    time_machine.move_to(datetime.now(UTC) + timedelta(days=1))

    assert limiter.hit("client").allowed
    assert not limiter.hit("client").allowed


def test_fifty_concurrent_hits_admit_exactly_ten(redis_client):
    limiter = SlidingWindowLimiter(redis_client, limit=10, window_seconds=60)
    start = threading.Barrier(50)

    def hit(_: int) -> bool:
        start.wait()
        return limiter.hit("hot-key").allowed  # each thread takes its own pooled connection

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(hit, range(50)))

    assert results.count(True) == 10
    assert results.count(False) == 40
    assert redis_client.zcard(limiter.redis_key("hot-key")) == 10
