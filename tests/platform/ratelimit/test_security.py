"""Security scopes never fail open: without Redis they count in the process-local window; failure
budgets reserve before the secret is checked and settle by the outcome."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from scholarnet.api.errors import RateLimited
from scholarnet.ratelimit import check_rate
from scholarnet.ratelimit.local import local_window
from scholarnet.ratelimit.scopes import RateScope
from scholarnet.ratelimit.security import FailureBudget, failures_limited

GUARDED = RateScope("test_guarded", default="3/60s", security=True)
ORDINARY = RateScope("test_ordinary", default="3/60s")
ACCOUNT = RateScope("test_account_failures", default="2/60s", security=True)
ADDRESS = RateScope("test_address_failures", default="3/60s", security=True)


class WrongSecret(Exception):
    pass


@pytest.fixture(autouse=True)
def _empty_local_window():
    local_window.reset()
    yield
    local_window.reset()


def test_a_security_scope_counts_locally_while_redis_is_down_even_when_failing_open(
    settings, redis_down
):
    settings.RATELIMIT_FAIL_OPEN = True

    allowed = [check_rate(GUARDED, "ip:10.0.0.1").allowed for _ in range(5)]
    ordinary = [check_rate(ORDINARY, "ip:10.0.0.1").allowed for _ in range(5)]

    assert allowed == [True, True, True, False, False]
    assert ordinary == [True] * 5  # only non-security scopes follow RATELIMIT_FAIL_OPEN


def test_the_local_window_keys_by_scope_and_key(redis_down):
    for _ in range(3):
        check_rate(GUARDED, "ip:10.0.0.1")

    assert check_rate(GUARDED, "ip:10.0.0.2").allowed is True
    assert check_rate(GUARDED, "ip:10.0.0.1").allowed is False


def _attempt(*, succeed: bool) -> str:
    try:
        with failures_limited(
            FailureBudget(ACCOUNT, "account:1", clear_on_success=True),
            FailureBudget(ADDRESS, "ip:10.0.0.1"),
            failures=(WrongSecret,),
        ):
            if not succeed:
                raise WrongSecret()
    except WrongSecret:
        return "wrong"
    except RateLimited:
        return "limited"
    return "ok"


def test_only_failures_count_and_a_success_clears_the_account():
    outcomes = [_attempt(succeed=s) for s in (True, True, False, True, False, False, False)]

    # ok, ok (not counted), wrong (1), ok (clears the account), wrong, wrong (2: spent), limited
    assert outcomes == ["ok", "ok", "wrong", "ok", "wrong", "wrong", "limited"]


def test_a_success_keeps_the_addresss_earlier_failures():
    _attempt(succeed=False)
    _attempt(succeed=True)  # clears the account, not the address
    _attempt(succeed=False)
    _attempt(succeed=True)

    assert _attempt(succeed=False) == "wrong"  # the address's third failure
    assert _attempt(succeed=True) == "limited"  # its budget (3) is spent, right secret or not


def test_an_unexpected_error_is_not_a_failure():
    for _ in range(5):
        guard = failures_limited(FailureBudget(ACCOUNT, "account:2"), failures=(WrongSecret,))
        with pytest.raises(ZeroDivisionError), guard:
            raise ZeroDivisionError()

    assert check_rate(ACCOUNT, "account:2").remaining == 1


def test_failure_budgets_work_on_the_local_window_too(redis_down):
    outcomes = [_attempt(succeed=False) for _ in range(3)]

    assert outcomes == ["wrong", "wrong", "limited"]


def test_a_budget_must_be_a_security_scope():
    guard = failures_limited(FailureBudget(ORDINARY, "k"), failures=(WrongSecret,))
    with pytest.raises(ImproperlyConfigured, match="test_ordinary"), guard:
        pass


def test_a_scope_declared_twice_differently_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="test_guarded"):
        RateScope("test_guarded", default="4/60s", security=True)
