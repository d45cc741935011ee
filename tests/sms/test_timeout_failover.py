import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_redis import get_redis_connection

from apps.sms.decorators import redis_key
from apps.sms.decorators.round_robin import PreferredProvider, RoundRobinFailover
from apps.sms.decorators.timeout_failover import TimeoutFailover
from apps.sms.senders import ProviderError, SmsDeliveryFailed, SmsRequest
from tests.sms.factories import FakeProvider

REQUEST = SmsRequest(phone="+8613800138000", template="login_code", params={"code": "1"})


def _failover(*providers: FakeProvider, base=PreferredProvider) -> TimeoutFailover:
    names = [p.name for p in providers]
    return TimeoutFailover(base(providers, names), names, threshold=3)


def _send(sender: TimeoutFailover) -> str:
    try:
        return sender.send(REQUEST).provider
    except SmsDeliveryFailed as error:
        return "+".join(
            f"{f.provider}:{'timeout' if f.timeout else 'error'}" for f in error.failures
        )
    except ProviderError as error:
        return f"{error.provider}:{'timeout' if error.timeout else 'error'}"


def test_three_consecutive_timeouts_switch_to_the_next_provider():
    a = FakeProvider("a", outcomes=["timeout", "timeout", "timeout"])
    b = FakeProvider("b")
    sender = _failover(a, b)

    outcomes = [_send(sender) for _ in range(4)]

    assert outcomes == ["a:timeout", "a:timeout", "a:timeout", "b"]
    assert sender.active_index() == 1


def test_an_answer_in_time_resets_the_run():
    a = FakeProvider("a", outcomes=["timeout", "timeout", "ok", "timeout", "timeout"])
    sender = _failover(a, FakeProvider("b"))

    outcomes = [_send(sender) for _ in range(6)]

    assert outcomes == ["a:timeout", "a:timeout", "a", "a:timeout", "a:timeout", "a"]
    assert sender.active_index() == 0


def test_other_errors_neither_count_nor_reset():
    a = FakeProvider("a", outcomes=["timeout", "timeout", "error", "error", "timeout"])
    sender = _failover(a, FakeProvider("b"))

    outcomes = [_send(sender) for _ in range(6)]

    assert outcomes == ["a:timeout", "a:timeout", "a:error", "a:error", "a:timeout", "b"]


def test_the_last_provider_wraps_around_to_the_first():
    a = FakeProvider("a", outcomes=["timeout"] * 3)
    b = FakeProvider("b", outcomes=["timeout"] * 3)
    sender = _failover(a, b)

    outcomes = [_send(sender) for _ in range(7)]

    assert outcomes[-1] == "a"
    assert sender.active_index() == 0


def test_timeouts_seen_under_round_robin_count_against_the_active_provider():
    a = FakeProvider("a", default="timeout")
    b = FakeProvider("b")
    sender = _failover(a, b, base=RoundRobinFailover)

    delivered = [sender.send(REQUEST).provider for _ in range(4)]

    # The message still went out through b each time; after three timeouts b is active.
    assert delivered == ["b", "b", "b", "b"]
    assert len(a.requests) == 3
    assert sender.active_index() == 1


def test_state_is_shared_by_every_process():
    a = FakeProvider("a", default="timeout")
    b = FakeProvider("b")
    first, second = _failover(a, b), _failover(a, b)

    _send(first), _send(second), _send(first)

    assert second.active_index() == 1


def test_a_stale_timeout_report_does_not_count_against_the_new_provider():
    sender = _failover(FakeProvider("a"), FakeProvider("b"))
    redis = get_redis_connection("default")
    redis.hset(redis_key("timeout_failover"), mapping={"active": 1, "timeouts": 0})

    sender._record_timeout(0)

    assert redis.hgetall(redis_key("timeout_failover")) == {b"active": b"1", b"timeouts": b"0"}


def test_concurrent_timeouts_switch_exactly_once():
    # 30 sends that all went to provider 0 time out at once: compare-and-set makes the first
    # three switch to provider 1 and drops the other 27 reports instead of racing past it.
    sender = _failover(FakeProvider("a"), FakeProvider("b"), FakeProvider("c"))
    start = threading.Barrier(30)

    def report(_: int) -> None:
        start.wait()
        sender._record_timeout(0)

    with ThreadPoolExecutor(max_workers=30) as pool:
        list(pool.map(report, range(30)))

    state = get_redis_connection("default").hgetall(redis_key("timeout_failover"))
    assert state == {b"active": b"1", b"timeouts": b"0"}


@pytest.mark.parametrize("stored", [b"5", b"7"])
def test_an_index_beyond_a_shrunk_provider_list_wraps(stored):
    sender = _failover(FakeProvider("a"), FakeProvider("b"))
    get_redis_connection("default").hset(redis_key("timeout_failover"), "active", stored)

    assert sender.active_index() == 1
