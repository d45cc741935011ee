"""ORCID: start an attempt, complete it (sign in, or link to the account that started it),
and unlink."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from social_core.exceptions import (
    AuthCanceled,
    AuthException,
    AuthInputError,
    AuthProviderError,
    AuthSessionError,
)

from apps.users.errors import (
    OrcidAlreadyLinked,
    OrcidAuthCancelled,
    OrcidAuthFailed,
    OrcidLastSignIn,
    OrcidLoginDisabled,
    OrcidNotLinked,
    OrcidStateInvalid,
    OrcidTaken,
    OrcidUnavailable,
    UserInactive,
)
from apps.users.mfa.services import MfaChallenge, sign_in
from apps.users.models import User
from apps.users.orcid.backend import OrcidOAuth, OrcidStrategy
from apps.users.orcid.state import OrcidAttempt, attempt_new, attempt_verify
from apps.users.services import IssuedSession, _create_race_safe, user_changed_notify
from scholarnet.api.errors import ApplicationError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrcidStart:
    url: str
    attempt: OrcidAttempt


@dataclass(frozen=True)
class OrcidLinked:
    user: User


def orcid_login_ensure_enabled() -> None:
    if not settings.ORCID_LOGIN_ENABLED:
        raise OrcidLoginDisabled()


def orcid_start(
    *, request: HttpRequest, link_user: User | None = None, redirect_uri: str | None = None
) -> OrcidStart:
    """The authorization URL of a new attempt: a sign-in, or linking to ``link_user``.

    ``redirect_uri`` is the callback ORCID sends the browser to (the API's by default; the web
    pages name their own), and the completion must name the same one.
    """
    orcid_login_ensure_enabled()
    attempt = attempt_new(link_user_id=link_user.pk if link_user else None)
    backend = _backend(request, state=attempt.state, redirect_uri=redirect_uri)
    return OrcidStart(url=backend.auth_url(), attempt=attempt)


def orcid_complete(
    *, request: HttpRequest, code: str, received_state: str, redirect_uri: str | None = None
) -> IssuedSession | MfaChallenge | OrcidLinked:
    orcid_login_ensure_enabled()
    attempt = attempt_verify(request, received=received_state)
    if not code:
        raise OrcidAuthCancelled()  # ORCID sends ?error=access_denied without a code
    backend = _backend(request, state=attempt.state, redirect_uri=redirect_uri)
    try:
        # OrcidOAuth.do_auth answers the identity dict, not a user.
        identity = cast(dict[str, Any], backend.auth_complete())
    except AuthException as error:
        raise _orcid_error(error) from error
    if attempt.link_user_id is not None:
        return OrcidLinked(user=orcid_link(user_id=attempt.link_user_id, orcid=identity["orcid"]))
    user = _user_get_or_create(identity)
    if not user.is_active:
        raise UserInactive()
    return sign_in(user=user, request=request)


def orcid_link(*, user_id: int, orcid: str) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise UserInactive()
        if user.orcid_id == orcid:
            return user
        if user.orcid_id:
            raise OrcidAlreadyLinked()
        if User.objects.filter(orcid_id=orcid).exists():
            raise OrcidTaken()
        user.orcid_id = orcid
        try:
            with transaction.atomic():
                user.save(update_fields=["orcid_id", "updated_at"])
        except IntegrityError as error:  # linked elsewhere a moment ago
            raise OrcidTaken() from error
        user_changed_notify(user=user)  # the public profile shows the iD
    return user


def orcid_unlink(*, user: User) -> User:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.orcid_id:
            raise OrcidNotLinked()
        if not (locked.has_usable_password() or locked.phone or locked.wechat_open_id):
            raise OrcidLastSignIn()
        locked.orcid_id = None
        locked.save(update_fields=["orcid_id", "updated_at"])
        user_changed_notify(user=locked)
    return locked


def _user_get_or_create(identity: dict[str, Any]) -> User:
    orcid = identity["orcid"]
    user = User.objects.filter(orcid_id=orcid).first()
    if user is not None:
        return user
    name = " ".join(part for part in (identity["given_name"], identity["family_name"]) if part)
    return _create_race_safe({"orcid_id": orcid}, orcid_id=orcid, nickname=name[:64])


def _backend(request: HttpRequest, *, state: str, redirect_uri: str | None = None) -> OrcidOAuth:
    redirect_uri = (
        redirect_uri
        or settings.ORCID_REDIRECT_URI
        or request.build_absolute_uri(reverse("v1:orcid-callback"))
    )
    return OrcidOAuth(OrcidStrategy(request, state=state), redirect_uri=redirect_uri)


def _orcid_error(error: AuthException) -> ApplicationError:
    logger.warning(
        "ORCID sign-in failed",
        extra={"orcid_error": getattr(error, "code", None), "orcid_stage": error.stage},
    )
    if isinstance(error, (AuthSessionError, AuthInputError)):
        return OrcidStateInvalid()
    if isinstance(error, AuthCanceled):
        return OrcidAuthCancelled()
    if isinstance(error, AuthProviderError) and _orcid_away(error.status_code):
        return OrcidUnavailable()
    # A rejected code or client, or a reply without a valid iD.
    return OrcidAuthFailed()


def _orcid_away(status: int | None) -> bool:
    # No answer at all (refused, timed out), ORCID's own failure, or its rate limit.
    return status is None or status >= 500 or status == 429
