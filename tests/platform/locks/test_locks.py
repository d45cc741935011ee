"""RedisLock and @single_runner against real Redis."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django_redis import get_redis_connection

from scholarnet.locks import LockNotAcquired, RedisLock, single_runner


@pytest.fixture
def redis_client():
    return get_redis_connection("default")


@pytest.fixture
def locks():
    """Locks made by a test, released afterwards so no refresher thread outlives it."""
    made: list[RedisLock] = []

    def make(name: str = "job", **options) -> RedisLock:
        options.setdefault("ttl_seconds", 5)
        lock = RedisLock(name, **options)
        made.append(lock)
        return lock

    yield make
    for lock in made:
        lock.release()


def test_of_two_lockers_one_wins(locks, redis_client):
    first, second = locks(), locks()

    assert first.acquire() is True
    assert second.acquire() is False
    assert (first.held, second.held) == (True, False)
    assert redis_client.get("sntest:lock:job") is not None
    assert 4_000 < redis_client.pttl("sntest:lock:job") <= 5_000


def test_release_frees_the_lock_for_the_next(locks):
    first, second = locks(), locks()
    first.acquire()

    assert first.release() is True
    assert second.acquire() is True


def test_non_owner_cannot_release(locks, redis_client):
    owner, other = locks(), locks()
    owner.acquire()
    token = redis_client.get("sntest:lock:job")

    assert other.acquire() is False
    assert other.release() is False

    assert redis_client.get("sntest:lock:job") == token
    assert owner.held


def test_extend_only_for_the_owner(locks, redis_client):
    owner = locks(ttl_seconds=1, auto_refresh=False)
    owner.acquire()

    assert owner.extend(30) is True
    assert 29_000 < redis_client.pttl("sntest:lock:job") <= 30_000

    redis_client.set("sntest:lock:job", "someone-else")
    assert owner.extend() is False
    assert owner.lost is True
    assert redis_client.get("sntest:lock:job") == b"someone-else"


def test_expired_lock_without_refresh_can_be_taken(locks):
    first = locks(ttl_seconds=0.2, auto_refresh=False)
    second = locks(ttl_seconds=5)
    first.acquire()

    time.sleep(0.3)

    assert second.acquire() is True
    assert first.release() is False  # its expiry let a successor in; it must not delete theirs
    assert second.held


def test_auto_refresh_keeps_the_lock_past_its_ttl(locks):
    holder = locks(ttl_seconds=0.6)
    rival = locks(ttl_seconds=5)
    holder.acquire()

    time.sleep(1.5)  # two and a half TTLs of "work"

    assert rival.acquire() is False
    assert holder.held
    assert not holder.lost
    holder.release()
    assert rival.acquire() is True


def test_refresh_flags_a_lock_taken_over(locks, redis_client):
    holder = locks(ttl_seconds=0.3)
    holder.acquire()

    redis_client.set("sntest:lock:job", "successor")

    deadline = time.monotonic() + 2
    while not holder.lost and time.monotonic() < deadline:
        time.sleep(0.02)
    assert holder.lost is True
    assert holder.held is False
    assert redis_client.get("sntest:lock:job") == b"successor"


def test_blocking_acquire_waits_for_release(locks):
    first, second = locks(), locks()
    first.acquire()
    threading.Timer(0.2, first.release).start()
    started = time.monotonic()

    assert second.acquire(blocking=True, timeout=2) is True
    assert 0.15 < time.monotonic() - started < 1.5


def test_blocking_acquire_gives_up_after_the_timeout(locks):
    first, second = locks(), locks()
    first.acquire()
    started = time.monotonic()

    assert second.acquire(blocking=True, timeout=0.2) is False
    assert 0.2 <= time.monotonic() - started < 0.6


def test_context_manager_holds_and_releases(locks, redis_client):
    with locks(blocking_timeout=0.1) as lock:
        assert lock.held
        assert redis_client.exists("sntest:lock:job") == 1
    assert redis_client.exists("sntest:lock:job") == 0


def test_context_manager_raises_when_it_cannot_acquire(locks):
    locks().acquire()

    with pytest.raises(LockNotAcquired), locks(blocking_timeout=0.05):
        pass


def test_single_runner_runs_the_body_once_while_the_other_call_skips():
    runs: list[str] = []
    inside = threading.Event()
    finish = threading.Event()

    @single_runner("hot-list", ttl_seconds=5)
    def compute(caller: str) -> str:
        runs.append(caller)
        inside.set()
        finish.wait(5)
        return f"done by {caller}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(compute, "first")
        assert inside.wait(5)
        second = pool.submit(compute, "second")
        skipped = second.result(timeout=5)
        finish.set()
        result = first.result(timeout=5)

    assert runs == ["first"]
    assert (result, skipped) == ("done by first", None)


def test_single_runner_with_simultaneous_calls_runs_exactly_once():
    runs: list[int] = []
    start = threading.Barrier(8)

    @single_runner(ttl_seconds=5)
    def job(number: int) -> int:
        runs.append(number)
        time.sleep(0.3)
        return number

    def call(number: int):
        start.wait()
        return job(number)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(8)))

    assert len(runs) == 1
    assert [r for r in results if r is not None] == runs


def test_single_runner_releases_after_the_body_even_on_error(redis_client):
    @single_runner("failing-job", ttl_seconds=5)
    def job() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        job()

    assert redis_client.exists("sntest:lock:failing-job") == 0


def test_single_runner_names_the_lock_after_the_function(redis_client):
    seen: list[bool] = []

    @single_runner(ttl_seconds=5)
    def nightly() -> None:
        key = f"sntest:lock:{__name__}.{nightly.__qualname__}"
        seen.append(redis_client.exists(key) == 1)

    nightly()

    assert seen == [True]


def test_single_runner_skips_when_redis_is_unreachable(monkeypatch):
    unreachable = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    monkeypatch.setattr("django_redis.get_redis_connection", lambda alias: unreachable)
    runs: list[int] = []

    @single_runner("offline", ttl_seconds=5)
    def job() -> int:
        runs.append(1)
        return 1

    assert job() is None
    assert runs == []


class _Unplugged(redis.Redis):
    """The test Redis, until ``down`` is set: then every command fails as if it were gone."""

    down = False

    def execute_command(self, *args, **options):
        if self.down:
            raise redis.ConnectionError("Redis is unreachable")
        return super().execute_command(*args, **options)


def test_refresh_flags_the_lock_lost_after_a_whole_ttl_without_redis(locks, redis_client):
    client = _Unplugged(connection_pool=redis_client.connection_pool)
    holder = locks(ttl_seconds=0.3, redis=client)
    holder.acquire()

    client.down = True
    try:
        time.sleep(0.2)
        assert holder.lost is False  # one failed renewal is not yet a lost lock
        deadline = time.monotonic() + 2
        while not holder.lost and time.monotonic() < deadline:
            time.sleep(0.02)
        assert holder.lost is True
        assert holder.held is False
    finally:
        client.down = False  # so the fixture can release it


def test_the_lock_is_redis_pys_token_lock(locks, redis_client):
    holder = locks(auto_refresh=False)
    holder.acquire()
    token = redis_client.get("sntest:lock:job")

    # Any redis-py Lock on the key sees it held, and cannot release it without the token.
    other = redis_client.lock("sntest:lock:job", timeout=5)
    assert other.locked() is True
    assert other.acquire(blocking=False) is False
    assert len(token) == 32
    assert holder.release() is True
    assert other.locked() is False
