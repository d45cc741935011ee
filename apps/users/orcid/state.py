"""The OAuth state of one ORCID attempt in a signed, HttpOnly, SameSite=Lax cookie.

The value is ``{"state", "link"}``: ``link`` is the id of the signed-in user who started a
linking attempt (``POST /me/orcid/link``), ``None`` for a sign-in. The callback accepts only the
state this browser's cookie holds (login CSRF), and every callback clears the cookie.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from apps.users.errors import OrcidStateInvalid

COOKIE_NAME = "orcid_state"
COOKIE_SALT = "scholarnet.orcid-state"


@dataclass(frozen=True)
class OrcidAttempt:
    state: str
    link_user_id: int | None


def attempt_new(*, link_user_id: int | None) -> OrcidAttempt:
    return OrcidAttempt(state=secrets.token_urlsafe(32), link_user_id=link_user_id)


def attempt_cookie_set(response: HttpResponse, *, attempt: OrcidAttempt, path: str) -> None:
    value = signing.dumps({"state": attempt.state, "link": attempt.link_user_id}, compress=True)
    response.set_signed_cookie(
        COOKIE_NAME,
        value,
        salt=COOKIE_SALT,
        max_age=settings.ORCID_STATE_MAX_AGE,
        path=path,
        secure=settings.ORCID_STATE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def attempt_cookie_clear(response: HttpResponse, *, path: str) -> None:
    response.delete_cookie(COOKIE_NAME, path=path, samesite="Lax")


def attempt_verify(request: HttpRequest, *, received: str) -> OrcidAttempt:
    """This browser's attempt if ``received`` is its state; else ``OrcidStateInvalid``."""
    raw = request.get_signed_cookie(
        COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=settings.ORCID_STATE_MAX_AGE
    )
    try:
        value = signing.loads(raw) if raw else None
    except signing.BadSignature:
        value = None
    if not isinstance(value, dict) or not received:
        raise OrcidStateInvalid()
    expected = str(value.get("state") or "")
    if not expected or not hmac.compare_digest(received.encode(), expected.encode()):
        raise OrcidStateInvalid()
    link = value.get("link")
    return OrcidAttempt(state=expected, link_user_id=link if isinstance(link, int) else None)
