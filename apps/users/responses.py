"""The answer to a successful sign-in or refresh, the same for every way of signing in."""

from __future__ import annotations

from rest_framework.response import Response

from apps.users.mfa.services import MfaChallenge
from apps.users.services import IssuedSession

ACCESS_HEADER = "x-jwt-token"
REFRESH_HEADER = "x-refresh-token"


def session_response(issued: IssuedSession, *, status: int = 200) -> Response:
    """JWT mode: ``{access, refresh}`` in the body and the ``x-jwt-token`` / ``x-refresh-token``
    headers. Cookie mode: both null; the session middleware sets the ``ssid`` cookie (and the
    CSRF middleware a fresh ``csrftoken`` cookie) on this response."""
    response = Response(
        {"access": issued.access, "refresh": issued.refresh, "session_id": str(issued.session.sid)},
        status=status,
    )
    if issued.access is not None and issued.refresh is not None:
        response[ACCESS_HEADER] = issued.access
        response[REFRESH_HEADER] = issued.refresh
    return response


def sign_in_response(result: IssuedSession | MfaChallenge) -> Response:
    """A session as :func:`session_response`, or, for a user with two-factor sign-in,
    ``{mfa_required: true, challenge}`` and no session yet (``POST /auth/2fa/verify`` ends it)."""
    if isinstance(result, MfaChallenge):
        return Response({"mfa_required": True, "challenge": result.challenge})
    return session_response(result)
