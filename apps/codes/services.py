"""One-time verification codes (login by phone, binding a phone, …), kept in Redis only.

A code belongs to a *purpose* and a *target* (usually a phone number); both are part of the key,
so a login code never verifies a phone binding. Every check-and-set runs as one Lua script, so any
number of processes and threads agree without locks:

* ``code_issue`` stores the new code only when the resend guard of that purpose and target has
  expired, and sets the guard in the same step.
* ``code_verify`` reads, compares, counts the wrong attempt or burns the code in one step, so
  parallel verifies of one code succeed exactly once.

Redis holds an HMAC of the code (keyed with ``SECRET_KEY``), never the code: six digits are a
million candidates, so a plain hash would give every code away to anyone who can read Redis.
Comparing the HMACs inside Lua is not constant-time, and it need not be: timing could at most
tell an attacker how many leading characters of *their guess's* HMAC match the stored one, and
without the key they cannot choose guesses that move that prefix, so it leaks nothing about the
code. Comparing in Lua is what keeps the check, the attempt count and the burn atomic.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Final

from django.conf import settings
from django.utils.crypto import salted_hmac
from django_redis import get_redis_connection

from apps.codes.errors import CodeAttemptsExhausted
from scholarnet.api.errors import RateLimited, ValidationFailed
from scholarnet.observability.metrics import counter

CODES_ISSUED = counter("codes_issued_total", "Verification codes issued.", ["purpose"])
CODES_VERIFIED = counter(
    "codes_verified_total", "Verification code checks by result.", ["purpose", "result"]
)

PURPOSE_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
TARGET_PATTERN: Final = re.compile(r"^[^\s]{1,128}$")
HMAC_SALT: Final = "apps.codes.digest"

# KEYS[1] the code hash, KEYS[2] the resend guard.
# ARGV[1] the code's HMAC, ARGV[2] its lifetime in seconds, ARGV[3] the resend interval in seconds.
# Returns 0 when stored, else the guard's remaining lifetime in milliseconds.
ISSUE_SCRIPT: Final = """
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then
  return wait
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[3]))
return 0
"""

# KEYS[1] the code hash. ARGV[1] the HMAC of the submitted code, ARGV[2] the wrong attempts allowed.
# A dead code (attempts used up) stays until it expires, so later tries keep answering "exhausted".
VERIFY_SCRIPT: Final = """
local fields = redis.call('HMGET', KEYS[1], 'digest', 'attempts')
local stored = fields[1]
if not stored then
  return 'expired'
end
local limit = tonumber(ARGV[2])
if tonumber(fields[2]) >= limit then
  return 'exhausted'
end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'ok'
end
if redis.call('HINCRBY', KEYS[1], 'attempts', 1) >= limit then
  return 'exhausted'
end
return 'invalid'
"""


def code_issue(*, purpose: str, target: str) -> str:
    """Create the code for ``purpose`` and ``target`` and return it (to be sent, never logged).

    A new code replaces the previous one. Within ``CODES_RESEND_SECONDS`` of the last issue it
    raises ``RateLimited`` (429 ``code_send_too_frequent``) and the previous code stays valid.
    """
    code_key, guard_key = _keys(purpose=purpose, target=target)
    code = f"{secrets.randbelow(10**settings.CODES_DIGITS):0{settings.CODES_DIGITS}d}"
    wait_ms = _run(
        ISSUE_SCRIPT,
        keys=[code_key, guard_key],
        args=[
            _digest(purpose=purpose, target=target, code=code),
            settings.CODES_TTL_SECONDS,
            settings.CODES_RESEND_SECONDS,
        ],
    )
    if wait_ms:
        raise RateLimited(
            "A code was sent a moment ago. Wait before asking for another.",
            retry_after=-(-int(wait_ms) // 1000),
            code="code_send_too_frequent",
        )
    CODES_ISSUED.labels(purpose=purpose).inc()
    return code


def code_verify(*, purpose: str, target: str, code: str) -> None:
    """Accept ``code`` once, burning it; raise on a wrong, expired or exhausted code.

    Wrong: ``ValidationFailed`` ``code_invalid``. Missing or expired (or already used):
    ``ValidationFailed`` ``code_expired``. The ``CODES_MAX_ATTEMPTS``-th wrong guess and every
    try after it: ``CodeAttemptsExhausted`` (400 ``code_attempts_exhausted``); the code is dead.
    """
    code_key, _ = _keys(purpose=purpose, target=target)
    result = _run(
        VERIFY_SCRIPT,
        keys=[code_key],
        args=[_digest(purpose=purpose, target=target, code=code), settings.CODES_MAX_ATTEMPTS],
    )
    outcome = result.decode() if isinstance(result, bytes) else str(result)
    CODES_VERIFIED.labels(purpose=purpose, result=outcome).inc()
    if outcome == "ok":
        return
    if outcome == "invalid":
        raise ValidationFailed("The code is not correct.", code="code_invalid")
    if outcome == "exhausted":
        raise CodeAttemptsExhausted()
    raise ValidationFailed("The code has expired. Request a new one.", code="code_expired")


def _keys(*, purpose: str, target: str) -> tuple[str, str]:
    if not PURPOSE_PATTERN.match(purpose):
        raise ValueError(f"invalid code purpose {purpose!r}")
    if not TARGET_PATTERN.match(target):
        raise ValidationFailed("The target is not valid.", code="code_target_invalid")
    # The {…} hash tag keeps both keys in one slot, as a script's keys must be on Redis Cluster.
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn"
    base = f"{prefix}:code:{{{purpose}:{target}}}"
    return base, f"{base}:resend"


def _digest(*, purpose: str, target: str, code: str) -> str:
    # Purpose and target are in the message, so a digest is only valid under its own key.
    message = f"{purpose}\x00{target}\x00{code.strip()}"
    return salted_hmac(HMAC_SALT, message, algorithm="sha256").hexdigest()


def _run(script: str, *, keys: list[str], args: list[object]) -> Any:
    # register_script sends EVALSHA and falls back to EVAL once, when the server lacks the script.
    return get_redis_connection("default").register_script(script)(keys=keys, args=args)
