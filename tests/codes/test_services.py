import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_redis import get_redis_connection

from apps.codes import services
from apps.codes.errors import CodeAttemptsExhausted
from apps.codes.services import code_issue, code_verify
from scholarnet.api.errors import RateLimited, ValidationFailed
from tests.codes.factories import phone_number


def _keys(purpose: str, phone: str) -> tuple[str, str]:
    return services._keys(purpose=purpose, target=phone)


def _error_code(call) -> str:
    try:
        call()
    except (ValidationFailed, CodeAttemptsExhausted) as error:
        return error.code
    return "ok"


def test_code_is_six_digits_zero_padded(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda upper: 42)

    assert code_issue(purpose="login", target=phone_number()) == "000042"


def test_codes_come_from_secrets_over_the_full_range():
    codes = {code_issue(purpose=f"p{n}", target=phone_number()) for n in range(50)}

    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 40


def test_redis_holds_an_hmac_with_lifetimes_never_the_code():
    phone = phone_number()
    code = code_issue(purpose="login", target=phone)
    redis = get_redis_connection("default")
    code_key, guard_key = _keys("login", phone)

    stored = redis.hgetall(code_key)
    assert set(stored) == {b"digest", b"attempts"}
    assert stored[b"attempts"] == b"0"
    assert code.encode() not in stored[b"digest"]
    assert len(stored[b"digest"]) == 64
    assert 599 <= redis.ttl(code_key) <= 600
    assert 59 <= redis.ttl(guard_key) <= 60
    every_value = b"".join(redis.dump(key) or b"" for key in redis.keys("*"))
    assert code.encode() not in every_value


def test_correct_code_verifies_once_and_is_burned():
    phone = phone_number()
    code = code_issue(purpose="login", target=phone)

    code_verify(purpose="login", target=phone, code=code)

    with pytest.raises(ValidationFailed) as error:
        code_verify(purpose="login", target=phone, code=code)
    assert error.value.code == "code_expired"
    assert error.value.status_code == 400
    assert not get_redis_connection("default").exists(_keys("login", phone)[0])


def test_resend_within_the_guard_is_refused_and_the_first_code_still_works():
    phone = phone_number()
    first = code_issue(purpose="login", target=phone)

    with pytest.raises(RateLimited) as error:
        code_issue(purpose="login", target=phone)

    assert error.value.code == "code_send_too_frequent"
    assert error.value.status_code == 429
    assert error.value.retry_after == 60
    code_verify(purpose="login", target=phone, code=first)


def test_resend_after_the_guard_replaces_the_code():
    phone = phone_number()
    first = code_issue(purpose="login", target=phone)
    get_redis_connection("default").delete(_keys("login", phone)[1])

    second = code_issue(purpose="login", target=phone)

    # The stored digest is the second code's: checking it succeeds and burns it.
    stored = get_redis_connection("default").hget(_keys("login", phone)[0], "digest").decode()
    assert stored == services._digest(purpose="login", target=phone, code=second)
    code_verify(purpose="login", target=phone, code=second)
    assert _error_code(lambda: code_verify(purpose="login", target=phone, code=first)) == (
        "code_expired"
    )


def test_the_guard_is_per_purpose_and_target():
    phone, other_phone = phone_number(), phone_number()
    login_code = code_issue(purpose="login", target=phone)

    bind_code = code_issue(purpose="bind_phone", target=phone)
    other_code = code_issue(purpose="login", target=other_phone)

    # Three codes issued, none refused by another's guard, each verifying under its own key only.
    assert [len(code) for code in (login_code, bind_code, other_code)] == [6, 6, 6]
    code_verify(purpose="bind_phone", target=phone, code=bind_code)
    code_verify(purpose="login", target=other_phone, code=other_code)
    code_verify(purpose="login", target=phone, code=login_code)


def test_purpose_is_part_of_the_key():
    phone = phone_number()
    code = code_issue(purpose="bind_phone", target=phone)

    assert _error_code(lambda: code_verify(purpose="login", target=phone, code=code)) == (
        "code_expired"
    )
    code_verify(purpose="bind_phone", target=phone, code=code)


def test_wrong_code_is_invalid_until_the_third_attempt_kills_the_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda upper: 123456)
    phone = phone_number()
    code_issue(purpose="login", target=phone)

    def verify(code: str) -> str:
        return _error_code(lambda: code_verify(purpose="login", target=phone, code=code))

    assert verify("000000") == "code_invalid"
    assert verify("111111") == "code_invalid"
    assert verify("222222") == "code_attempts_exhausted"
    # Dead: even the right code fails now, and keeps failing the same way.
    assert verify("123456") == "code_attempts_exhausted"
    assert verify("123456") == "code_attempts_exhausted"
    assert get_redis_connection("default").hget(_keys("login", phone)[0], "attempts") == b"3"


def test_exhausted_is_a_400_application_error():
    error = CodeAttemptsExhausted()

    assert error.status_code == 400
    assert error.code == "code_attempts_exhausted"


def test_a_right_guess_after_wrong_ones_still_works():
    phone = phone_number()
    code = code_issue(purpose="login", target=phone)
    wrong = "000000" if code != "000000" else "111111"

    assert _error_code(lambda: code_verify(purpose="login", target=phone, code=wrong)) == (
        "code_invalid"
    )
    code_verify(purpose="login", target=phone, code=code)


def test_expired_code_is_reported_as_expired():
    phone = phone_number()
    code = code_issue(purpose="login", target=phone)
    get_redis_connection("default").delete(_keys("login", phone)[0])

    assert _error_code(lambda: code_verify(purpose="login", target=phone, code=code)) == (
        "code_expired"
    )


def test_lifetimes_come_from_settings(settings):
    settings.CODES_TTL_SECONDS = 120
    settings.CODES_RESEND_SECONDS = 30
    phone = phone_number()
    code_issue(purpose="login", target=phone)
    redis = get_redis_connection("default")

    assert 119 <= redis.ttl(_keys("login", phone)[0]) <= 120
    assert 29 <= redis.ttl(_keys("login", phone)[1]) <= 30


def test_bad_purpose_is_a_programming_error_and_bad_target_a_validation_error():
    with pytest.raises(ValueError):
        code_issue(purpose="Login:*", target=phone_number())
    with pytest.raises(ValidationFailed) as error:
        code_issue(purpose="login", target="+86 138")
    assert error.value.code == "code_target_invalid"
    assert get_redis_connection("default").keys("*") == []


def test_parallel_verifies_of_one_code_succeed_exactly_once():
    phone = phone_number()
    code = code_issue(purpose="login", target=phone)
    start = threading.Barrier(20)

    def verify() -> str:
        start.wait()
        return _error_code(lambda: code_verify(purpose="login", target=phone, code=code))

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = [future.result() for future in [pool.submit(verify) for _ in range(20)]]

    assert outcomes.count("ok") == 1
    assert outcomes.count("code_expired") == 19


def test_parallel_wrong_guesses_never_get_more_than_the_allowed_attempts(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda upper: 999999)
    phone = phone_number()
    code_issue(purpose="login", target=phone)
    start = threading.Barrier(20)

    def guess(number: int) -> str:
        start.wait()
        code = f"{number:06d}"
        return _error_code(lambda: code_verify(purpose="login", target=phone, code=code))

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(guess, range(20)))

    assert outcomes.count("code_invalid") == 2
    assert outcomes.count("code_attempts_exhausted") == 18
    assert _error_code(lambda: code_verify(purpose="login", target=phone, code="999999")) == (
        "code_attempts_exhausted"
    )


def test_parallel_issues_store_exactly_one_code():
    phone = phone_number()
    start = threading.Barrier(20)

    def issue() -> str:
        start.wait()
        try:
            return code_issue(purpose="login", target=phone)
        except RateLimited:
            return "limited"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = [future.result() for future in [pool.submit(issue) for _ in range(20)]]

    codes = [outcome for outcome in outcomes if outcome != "limited"]
    assert len(codes) == 1
    code_verify(purpose="login", target=phone, code=codes[0])
