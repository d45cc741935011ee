"""The process-local tier on its own: LRU bound, TTL, stale entries, invalidation tokens."""

from datetime import UTC, datetime

from scholarnet.cache.breaker import CircuitBreaker
from scholarnet.cache.local import ABSENT, LocalTier


def _frozen(time_machine):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC), tick=False)


def test_fresh_entry_is_returned_until_its_ttl_then_only_as_stale(time_machine):
    _frozen(time_machine)
    tier = LocalTier(max_entries=10)
    tier.set("k", b"v", ttl=5, token=tier.token())

    time_machine.shift(4.9)
    assert tier.get_fresh("k") == b"v"

    time_machine.shift(0.2)
    assert tier.get_fresh("k") is ABSENT
    assert tier.get_stale("k") == b"v"


def test_least_recently_used_entry_is_evicted_first():
    tier = LocalTier(max_entries=2)
    tier.set("a", b"1", ttl=60, token=tier.token())
    tier.set("b", b"2", ttl=60, token=tier.token())
    tier.get_fresh("a")  # "b" is now the least recently used

    tier.set("c", b"3", ttl=60, token=tier.token())

    assert len(tier) == 2
    assert tier.get_stale("b") is ABSENT
    assert (tier.get_fresh("a"), tier.get_fresh("c")) == (b"1", b"3")


def test_value_read_before_an_invalidation_is_refused():
    tier = LocalTier(max_entries=10)
    token = tier.token()
    tier.invalidate(["k"])

    assert tier.set("k", b"old", ttl=60, token=token) is False
    assert tier.get_stale("k") is ABSENT
    assert tier.set("k", b"new", ttl=60, token=tier.token()) is True
    assert tier.get_fresh("k") == b"new"


def test_invalidation_of_another_key_does_not_refuse():
    tier = LocalTier(max_entries=10)
    token = tier.token()
    tier.invalidate(["other"])

    assert tier.set("k", b"v", ttl=60, token=token) is True


def test_forgotten_invalidations_refuse_every_older_reader():
    tier = LocalTier(max_entries=1)
    token = tier.token()
    tier.invalidate(["a"])
    tier.invalidate(["b"])  # evicts the record of "a"

    assert tier.set("a", b"old", ttl=60, token=token) is False


def test_expire_all_keeps_entries_as_stale_and_refuses_readers_in_flight():
    tier = LocalTier(max_entries=10)
    tier.set("a", b"1", ttl=60, token=tier.token())
    token = tier.token()

    tier.expire_all()

    assert tier.get_fresh("a") is ABSENT
    assert tier.get_stale("a") == b"1"
    assert tier.set("b", b"2", ttl=60, token=token) is False


def test_breaker_opens_after_a_failure_and_lets_one_probe_through_after_the_backoff():
    now = [100.0]
    breaker = CircuitBreaker(backoff_seconds=1.0, clock=lambda: now[0])
    assert breaker.allow() is True

    breaker.record_failure()
    assert breaker.allow() is False

    now[0] += 1.0
    assert breaker.allow() is True  # the probe
    assert breaker.allow() is False  # everyone else waits for it

    breaker.record_success()
    assert breaker.allow() is True
    assert breaker.is_open is False


def test_breaker_backoff_doubles_up_to_the_maximum():
    now = [0.0]
    breaker = CircuitBreaker(backoff_seconds=1.0, max_backoff_seconds=3.0, clock=lambda: now[0])
    breaker.record_failure()
    breaker.record_failure()  # second consecutive failure: 2 s

    now[0] = 1.9
    assert breaker.allow() is False
    now[0] = 2.0
    assert breaker.allow() is True

    breaker.record_failure()  # third: capped at 3 s
    now[0] = 4.9
    assert breaker.allow() is False
    now[0] = 5.0
    assert breaker.allow() is True
