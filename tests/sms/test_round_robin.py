import pytest
from django_redis import get_redis_connection

from apps.sms.decorators.round_robin import PreferredProvider, RoundRobinFailover
from apps.sms.senders import SmsDeliveryFailed, SmsRequest
from tests.sms.factories import FakeProvider

REQUEST = SmsRequest(phone="+8613800138000", template="login_code", params={"code": "1"})


def _round_robin(*providers: FakeProvider) -> RoundRobinFailover:
    return RoundRobinFailover(providers, [p.name for p in providers])


def test_sends_rotate_over_the_providers():
    a, b, c = FakeProvider("a"), FakeProvider("b"), FakeProvider("c")
    sender = _round_robin(a, b, c)

    used = [sender.send(REQUEST).provider for _ in range(6)]

    assert used == ["a", "b", "c", "a", "b", "c"]


def test_the_rotation_is_shared_through_redis():
    first = _round_robin(FakeProvider("a"), FakeProvider("b"))
    second = _round_robin(FakeProvider("a"), FakeProvider("b"))

    used = [first.send(REQUEST).provider, second.send(REQUEST).provider]

    assert used == ["a", "b"]


def test_a_failing_provider_hands_over_to_the_next():
    a, b = FakeProvider("a", default="error"), FakeProvider("b")

    result = _round_robin(a, b).send(REQUEST)

    assert result.provider == "b"
    assert [(f.provider, f.timeout) for f in result.failures] == [("a", False)]
    assert len(a.requests) == 1
    assert len(b.requests) == 1


def test_a_timed_out_provider_is_passed_over_too():
    a, b = FakeProvider("a", default="timeout"), FakeProvider("b")

    result = _round_robin(a, b).send(REQUEST)

    assert result.provider == "b"
    assert [(f.provider, f.timeout) for f in result.failures] == [("a", True)]


def test_every_provider_failing_is_a_503_with_each_error():
    a, b = FakeProvider("a", default="error"), FakeProvider("b", default="timeout")

    with pytest.raises(SmsDeliveryFailed) as error:
        _round_robin(a, b).send(REQUEST)

    assert error.value.status_code == 503
    assert error.value.code == "sms_unavailable"
    assert [(f.provider, f.timeout) for f in error.value.failures] == [("a", False), ("b", True)]


def test_a_preferred_provider_goes_first_and_does_not_advance_the_rotation():
    a, b, c = FakeProvider("a"), FakeProvider("b"), FakeProvider("c")
    sender = _round_robin(a, b, c)

    preferred = [sender.send(_preferring("c")).provider for _ in range(3)]

    assert preferred == ["c", "c", "c"]
    assert sender.send(REQUEST).provider == "a"


def test_one_provider_needs_no_rotation():
    sender = _round_robin(FakeProvider("only"))

    assert sender.send(REQUEST).provider == "only"
    assert get_redis_connection("default").keys("*round_robin*") == []


def test_preferred_provider_base_uses_the_preferred_else_the_first():
    a, b = FakeProvider("a"), FakeProvider("b")
    sender = PreferredProvider([a, b], ["a", "b"])

    assert sender.send(REQUEST).provider == "a"
    assert sender.send(_preferring("b")).provider == "b"
    assert sender.send(_preferring("gone")).provider == "a"


def _preferring(name: str) -> SmsRequest:
    return SmsRequest(
        phone=REQUEST.phone,
        template=REQUEST.template,
        params=REQUEST.params,
        preferred_provider=name,
    )
