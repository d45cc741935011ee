"""check_rate / enforce_rate: scopes, literal rates, the switch, and the Redis-outage policy."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_redis import get_redis_connection
from prometheus_client import REGISTRY

from scholarnet.api.errors import RateLimited
from scholarnet.ratelimit import LimiterUnavailable, check_rate, enforce_rate
from scholarnet.ratelimit.scopes import RateScope


def _unavailable_count(scope: str, mode: str) -> float:
    labels = {"scope": scope, "mode": mode}
    return REGISTRY.get_sample_value("scholarnet_ratelimit_unavailable_total", labels) or 0.0


# Scopes of this module only; the settings below give them the rates the tests expect.
TEST_LOGIN = RateScope("test_login", default="9/60s")
TEST_COMMENT = RateScope("test_comment", default="9/60s")


@pytest.fixture
def rates(settings):
    settings.RATELIMIT_TEST_LOGIN = "2/60s"
    settings.RATELIMIT_TEST_COMMENT = "1/60s"
    return settings


def test_scope_uses_its_configured_rate(rates):
    decisions = [check_rate("test_login", "ip:10.0.0.1") for _ in range(3)]

    assert [d.allowed for d in decisions] == [True, True, False]
    redis = get_redis_connection("default")
    assert redis.zcard("sntest:rl:test_login:ip:10.0.0.1") == 2


def test_scopes_do_not_share_counts(rates):
    assert check_rate("test_comment", "user:1").allowed
    assert check_rate("test_login", "user:1").allowed
    assert not check_rate("test_comment", "user:1").allowed


def test_literal_rate_for_services(rates):
    assert check_rate("1/60s", "sms:+8613800000000").allowed
    refused = check_rate("1/60s", "sms:+8613800000000")

    assert refused.allowed is False
    assert 59 < refused.retry_after <= 60


def test_unknown_scope_is_a_configuration_error(rates):
    with pytest.raises(ImproperlyConfigured, match="upload"):
        check_rate("upload", "user:1")


def test_enforce_rate_raises_rate_limited_with_whole_seconds(rates):
    enforce_rate("test_comment", "user:7")

    with pytest.raises(RateLimited) as raised:
        enforce_rate("test_comment", "user:7")

    assert raised.value.retry_after == 60
    assert raised.value.extra == {"retry_after": 60}


def test_disabled_limits_admit_everything_without_redis(rates, redis_down):
    rates.RATELIMIT_ENABLED = False

    assert all(check_rate("test_comment", "user:1").allowed for _ in range(5))
    assert redis_down == []


def test_fail_open_admits_logs_once_and_counts(rates, redis_down, caplog):
    rates.RATELIMIT_FAIL_OPEN = True
    before = _unavailable_count("test_login", "open")

    with caplog.at_level(logging.WARNING, logger="scholarnet.ratelimit.service"):
        decisions = [check_rate("test_login", "ip:10.0.0.1") for _ in range(5)]

    assert all(d.allowed for d in decisions)
    assert _unavailable_count("test_login", "open") - before == 5
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "rate limiter cannot reach Redis"
    ]


def test_fail_closed_refuses_with_503(rates, redis_down):
    rates.RATELIMIT_FAIL_OPEN = False

    with pytest.raises(LimiterUnavailable) as raised:
        check_rate("test_login", "ip:10.0.0.1")

    assert raised.value.status_code == 503
    assert raised.value.code == "rate_limiter_unavailable"


def test_caller_can_override_the_outage_policy(rates, redis_down):
    rates.RATELIMIT_FAIL_OPEN = True

    with pytest.raises(LimiterUnavailable):
        check_rate("1/60s", "sms:+8613800000000", fail_open=False)


def test_breaker_spares_later_checks_the_connect_attempt(rates, redis_down):
    for _ in range(3):
        check_rate("test_login", "ip:10.0.0.1")

    assert len(redis_down) == 1
