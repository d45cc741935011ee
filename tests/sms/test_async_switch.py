import pytest

from apps.sms.decorators.async_switch import (
    AsyncSwitch,
    HealthRecorder,
    HealthThresholds,
    SendHealth,
)
from apps.sms.senders import ProviderError, SmsDeliveryFailed, SmsRequest
from tests.sms.factories import FakeProvider

REQUEST = SmsRequest(phone="+8613800138000", template="login_code", params={"code": "1"})
LIMITS = HealthThresholds(
    slow_ms=500, slow_consecutive=10, error_rate=0.3, window_seconds=60, min_sends=10
)
T0 = 1_800_000_000.0


@pytest.fixture
def health() -> SendHealth:
    return SendHealth(LIMITS)


def test_defaults_come_from_settings():
    assert SendHealth().thresholds == LIMITS


def test_ten_consecutive_slow_sends_switch_to_async(health):
    states = [health.record(duration_ms=501, failed=False, now=T0) for _ in range(10)]

    assert states == [False] * 9 + [True]
    assert health.degraded(now=T0) is True


def test_one_fast_send_breaks_the_run_and_switches_back(health):
    for _ in range(9):
        health.record(duration_ms=800, failed=False, now=T0)
    assert health.record(duration_ms=500, failed=False, now=T0) is False
    for _ in range(10):
        health.record(duration_ms=800, failed=False, now=T0)
    assert health.degraded(now=T0) is True

    assert health.record(duration_ms=20, failed=False, now=T0) is False
    assert health.degraded(now=T0) is False


def test_more_than_thirty_percent_errors_switch_to_async(health):
    for _ in range(7):
        health.record(duration_ms=10, failed=False, now=T0)
    for _ in range(3):
        health.record(duration_ms=10, failed=True, now=T0)
    assert health.degraded(now=T0) is False  # exactly 30 %

    assert health.record(duration_ms=10, failed=True, now=T0) is True  # 4 of 11


def test_the_error_rate_needs_enough_sends_to_count(health):
    states = [health.record(duration_ms=10, failed=True, now=T0) for _ in range(9)]

    assert states == [False] * 9
    assert health.record(duration_ms=10, failed=True, now=T0) is True


def test_errors_leave_the_window_after_sixty_seconds(health):
    for _ in range(10):
        health.record(duration_ms=10, failed=True, now=T0)
    assert health.degraded(now=T0 + 59) is True

    assert health.degraded(now=T0 + 60.5) is False


def test_recorder_times_sends_and_counts_provider_failures(settings):
    health = SendHealth(HealthThresholds(1, 2, 0.3, 60, 10))
    recorder = HealthRecorder(FakeProvider("slow", delay=0.01), health)

    recorder.send(REQUEST)
    recorder.send(REQUEST)

    assert health.degraded() is True
    failing = HealthRecorder(FakeProvider("bad", default="error"), SendHealth(LIMITS))
    with pytest.raises(ProviderError):
        failing.send(REQUEST)


def test_healthy_switch_sends_now_and_records(health):
    provider = FakeProvider("a")
    queued = []
    switch = AsyncSwitch(provider, health=health, enqueue=lambda r, f: queued.append((r, f)))

    result = switch.send(REQUEST)

    assert result.provider == "a"
    assert result.queued is False
    assert queued == []
    assert len(provider.requests) == 1


def test_degraded_switch_queues_without_calling_the_provider(health):
    for _ in range(10):
        health.record(duration_ms=900, failed=False)
    provider = FakeProvider("a")
    queued = []
    switch = AsyncSwitch(provider, health=health, enqueue=lambda r, f: queued.append((r, f)) or 7)

    result = switch.send(REQUEST)

    assert result.queued is True
    assert result.message == 7
    assert queued == [(REQUEST, ())]
    assert provider.requests == []


def test_a_failed_send_is_queued_with_its_failures(health):
    queued = []
    switch = AsyncSwitch(
        FakeProvider("a", default="timeout"),
        health=health,
        enqueue=lambda r, f: queued.append(f) or "row",
    )

    result = switch.send(REQUEST)

    assert result.queued is True
    assert [(f.provider, f.timeout) for f in queued[0]] == [("a", True)]


def test_delivery_failed_from_below_is_queued_too(health):
    class AllFail:
        def send(self, request):
            raise SmsDeliveryFailed([ProviderError("a", "x"), ProviderError("b", "y")])

    queued = []
    switch = AsyncSwitch(AllFail(), health=health, enqueue=lambda r, f: queued.append(f) or "row")

    assert switch.send(REQUEST).queued is True
    assert [f.provider for f in queued[0]] == ["a", "b"]


def test_a_bug_below_is_not_swallowed_into_the_queue(health):
    class Broken:
        def send(self, request):
            raise KeyError("bug")

    queued = []
    switch = AsyncSwitch(Broken(), health=health, enqueue=lambda r, f: queued.append(f))

    with pytest.raises(KeyError):
        switch.send(REQUEST)
    assert queued == []


def test_worker_sends_bring_the_switch_back_to_sync(health):
    for _ in range(10):
        health.record(duration_ms=900, failed=False)
    assert health.degraded() is True
    worker = HealthRecorder(FakeProvider("a"), health)

    worker.send(REQUEST)

    assert health.degraded() is False
