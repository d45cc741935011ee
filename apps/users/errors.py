"""Errors of accounts and sessions, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import (
    ApplicationError,
    Conflict,
    NotAuthenticated,
    ServiceUnavailable,
)


class EmailTaken(Conflict):
    code = "email_taken"
    default_detail = "An account with this email already exists."


class InvalidCredentials(NotAuthenticated):
    # One message for an unknown email, a wrong password and a deactivated account, so the
    # answer never tells whether an email is registered.
    code = "invalid_credentials"
    default_detail = "The email or password is not correct."


class TokenInvalid(NotAuthenticated):
    code = "token_invalid"
    default_detail = "The token is not valid."


class TokenExpired(NotAuthenticated):
    code = "token_expired"
    default_detail = "The token has expired."


class TokenUserAgentMismatch(NotAuthenticated):
    code = "token_user_agent_mismatch"
    default_detail = "The token was issued to another client."


class SessionRevoked(NotAuthenticated):
    code = "session_revoked"
    default_detail = "This session has been signed out."


class RefreshReused(NotAuthenticated):
    code = "refresh_reused"
    default_detail = "This refresh token was already used; the session has been signed out."


class UserInactive(NotAuthenticated):
    code = "user_inactive"
    default_detail = "This account is deactivated."


class SessionCheckUnavailable(ServiceUnavailable):
    """Fail closed, but as 503 with ``Retry-After``, never 401.

    Without Redis a revoked session cannot be told from a live one, so the request is refused;
    yet the credentials are fine, and a 401 makes a standard client sign its user out over a
    Redis blip. A 503 says "retry", and nothing about the session changes meanwhile.
    """

    code = "session_check_unavailable"
    default_detail = "Sessions cannot be checked right now. Try again shortly."
    retry_after = 5  # about one circuit-breaker cool-down


class SessionRevokeUnavailable(ServiceUnavailable):
    code = "session_revoke_unavailable"
    default_detail = "The session could not be signed out everywhere. Try again shortly."


class RefreshNotAvailable(ApplicationError):
    status_code = 400
    code = "refresh_not_available"
    default_detail = "Cookie sessions do not use refresh tokens."


# --- Two-factor sign-in (apps.users.mfa) ---------------------------------------------------


class MfaAlreadyEnabled(Conflict):
    code = "mfa_already_enabled"
    default_detail = "Two-factor sign-in is already on; disable it before enrolling again."


class MfaNotEnrolled(Conflict):
    code = "mfa_not_enrolled"
    default_detail = "There is no enrolment to confirm; start one first."


class MfaNotEnabled(Conflict):
    code = "mfa_not_enabled"
    default_detail = "Two-factor sign-in is not on."


class MfaCodeInvalid(ApplicationError):
    # One answer for a wrong, a reused and an expired code: each is a failed guess.
    status_code = 400
    code = "mfa_code_invalid"
    default_detail = "The code is not correct (a code is accepted once)."


class MfaChallengeInvalid(NotAuthenticated):
    # One answer for unknown, expired, used and another client's: nothing to probe.
    code = "mfa_challenge_invalid"
    default_detail = "The sign-in challenge is not valid; sign in again."


class MfaUnavailable(ServiceUnavailable):
    # Challenges live in Redis: without it a second factor cannot be asked for, so sign-in of an
    # enrolled user fails closed.
    code = "mfa_unavailable"
    default_detail = "Two-factor sign-in cannot be checked right now. Try again shortly."
    retry_after = 5


# --- ORCID sign-in and linking (apps.users.orcid) ------------------------------------------


class OrcidLoginDisabled(ApplicationError):
    status_code = 404
    code = "orcid_login_disabled"
    default_detail = "ORCID sign-in is not enabled."


class OrcidStateInvalid(ApplicationError):
    status_code = 400
    code = "orcid_state_invalid"
    default_detail = "The ORCID sign-in expired or was started in another browser; start again."


class OrcidAuthCancelled(ApplicationError):
    status_code = 400
    code = "orcid_auth_cancelled"
    default_detail = "The ORCID sign-in was cancelled."


class OrcidAuthFailed(ApplicationError):
    status_code = 400
    code = "orcid_auth_failed"
    default_detail = "ORCID did not accept the sign-in."


class OrcidUnavailable(ServiceUnavailable):
    code = "orcid_unavailable"
    default_detail = "ORCID cannot be reached right now. Try again shortly."
    retry_after = 30


class OrcidTaken(Conflict):
    code = "orcid_taken"
    default_detail = "This ORCID iD is linked to another account."


class OrcidAlreadyLinked(Conflict):
    code = "orcid_already_linked"
    default_detail = "Your account is linked to another ORCID iD; unlink it first."


class OrcidNotLinked(Conflict):
    code = "orcid_not_linked"
    default_detail = "Your account has no ORCID iD linked."


class OrcidLastSignIn(Conflict):
    code = "orcid_last_sign_in"
    default_detail = "ORCID is this account's only way to sign in; add a password or phone first."
