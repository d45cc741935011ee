"""The refresh-ahead table: fresh reads, stale reads while a bulk refresh is due, and misses."""

from __future__ import annotations

import pytest

from scholarnet.cache.refresh_ahead import RefreshAheadTable, refresh_ahead_stats


class Source:
    """A bulk loader that records its calls and answers the current value of each key."""

    def __init__(self) -> None:
        self.values: dict[int, int] = {}
        self.calls: list[list[int]] = []

    def load(self, keys: list[int]) -> dict[int, int]:
        self.calls.append(sorted(keys))
        return {key: self.values.get(key, 0) for key in keys}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def source() -> Source:
    return Source()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _table(source: Source, clock: Clock, ttl: float = 2.0) -> RefreshAheadTable[int, int]:
    return RefreshAheadTable(name="test", load=source.load, ttl=lambda: ttl, clock=clock)


def test_a_fresh_entry_answers_without_loading(source: Source, clock: Clock) -> None:
    table = _table(source, clock)
    source.values[1] = 5
    assert table.get(1) == 5
    source.values[1] = 6
    clock.now += 0.4  # within a quarter lifetime: no refresh is due yet

    assert table.get(1) == 5
    assert source.calls == [[1]]
    assert table.stats() == {
        "hits": 1,
        "stale_hits": 0,
        "misses": 1,
        "refreshes": 0,
        "refreshed": 0,
        "entries": 1,
    }


def test_entries_read_lately_are_reloaded_in_one_call_before_they_expire(
    source: Source, clock: Clock
) -> None:
    table = _table(source, clock)
    table.get_many([1, 2, 3])
    clock.now += 1.0
    table.get_many([4])  # younger than three quarters of a lifetime: not reloaded yet
    source.values = {1: 10, 2: 20, 3: 30, 4: 40}
    clock.now += 0.6  # 1, 2, 3 are 1.6 s old (>= 1.5 s), 4 is 0.6 s old

    assert table.get(1) == 0  # a fresh hit answers at once; the refresh runs behind it
    assert source.calls == [[1, 2, 3], [4], [1, 2, 3]]
    assert table.get(2) == 20
    assert table.get(4) == 0
    stats = table.stats()
    assert (stats["refreshes"], stats["refreshed"], stats["stale_hits"]) == (1, 3, 0)


def test_refreshes_run_at_most_every_quarter_lifetime(source: Source, clock: Clock) -> None:
    table = _table(source, clock)
    table.get_many([1, 2])
    clock.now += 1.6
    table.get(1)  # reloads 1 and 2
    table.get(2)
    clock.now += 0.3
    table.get(1)

    assert source.calls == [[1, 2], [1, 2]]


def test_a_key_nobody_reads_is_no_longer_refreshed(source: Source, clock: Clock) -> None:
    table = _table(source, clock)
    table.get_many([1, 2])
    for _ in range(12):  # 12 s: key 1 is read every second, key 2 never again
        clock.now += 1.0
        table.get(1)

    assert source.calls[-2:] == [[1], [1]]  # key 2 was last refreshed before 10 s
    assert 2 not in table._read_at


def test_a_late_refresh_serves_the_old_value_within_twice_the_lifetime(
    source: Source, clock: Clock
) -> None:
    table = _table(source, clock)
    table.get(1)
    source.values[1] = 9
    clock.now += 2.5
    with table._refreshing:  # another reader is refreshing right now
        assert table.get(1) == 0
    assert table.stats()["stale_hits"] == 1
    clock.now += 0.6
    assert table.get(1) == 9


def test_an_entry_older_than_twice_the_lifetime_is_loaded_like_a_miss(
    source: Source, clock: Clock
) -> None:
    table = _table(source, clock)
    table.get(1)
    source.values[1] = 7
    clock.now += 4.0

    assert table.get(1) == 7
    assert table.stats()["stale_hits"] == 0
    assert table.stats()["misses"] == 2


def test_get_many_answers_exactly_the_keys_asked(source: Source, clock: Clock) -> None:
    table = _table(source, clock)
    table.get_many([1, 2])
    clock.now += 1.6

    assert table.get_many([3]) == {3: 0}  # the refresh of 1 and 2 is not handed back
    assert source.calls == [[1, 2], [1, 2], [3]]
    assert set(table.get_many([1, 3])) == {1, 3}


def test_a_zero_lifetime_reads_every_time(source: Source, clock: Clock) -> None:
    table = _table(source, clock, ttl=0)
    table.get(1)
    table.get(1)
    assert source.calls == [[1], [1]]


def test_clear_forgets_every_entry(source: Source, clock: Clock) -> None:
    table = _table(source, clock)
    table.get(1)
    table.clear()
    source.values[1] = 3
    assert table.get(1) == 3


def test_the_process_tables_report_their_counters() -> None:
    from apps.articles.providers import local_counts
    from apps.users.providers import local_follow_counts

    stats = refresh_ahead_stats()
    assert {local_counts.name, local_follow_counts.name} <= set(stats)
    assert set(stats[local_counts.name]) >= {"hits", "stale_hits", "misses", "refreshes"}


def test_round_trips_stay_rare_at_a_moderate_request_rate(source: Source, clock: Clock) -> None:
    """1,000 keys read at random by 1,100 requests/s (one worker of a slow 2-core machine):
    a plain 2 s expiry made about a third of the requests wait for Redis; here under 2 %."""
    import random

    table = _table(source, clock)
    generator = random.Random(1)
    rate, warm_up, measured = 1100, 2 * 1100, 10 * 1100
    for number in range(warm_up + measured):
        if number == warm_up:
            source.calls.clear()
        clock.now = 1000.0 + number / rate
        table.get(generator.randint(1, 1000))

    assert len(source.calls) / measured < 0.02
