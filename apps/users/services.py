"""Writes of accounts: registration, sign-in checks, profile edits, (de)activation.

Sessions (sign-in, refresh, sign-out) live in :mod:`apps.users.sessions`; the names other apps
call are re-exported here. Every change to a user publishes ``user.changed`` in its transaction
and invalidates the cached public profile once it commits.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from apps.users.errors import EmailTaken, InvalidCredentials, SessionRevokeUnavailable
from apps.users.events import UserChanged
from apps.users.models import User, normalize_email
from apps.users.selectors import profile_cache_key
from apps.users.sessions import (
    IssuedSession,
    session_logout,
    session_refresh,
    session_revoke,
    session_start,
    sessions_revoke_all,
)
from apps.users.user_cache import user_version_bump
from scholarnet.api.errors import ValidationFailed
from scholarnet.cache import invalidate_on_commit
from scholarnet.events.payloads import publish_event

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("nickname", "avatar_url", "about", "birthday", "email_digest")

__all__ = [
    "IssuedSession",
    "session_logout",
    "session_refresh",
    "session_revoke",
    "session_start",
    "sessions_revoke_all",
    "user_authenticate",
    "user_changed_notify",
    "user_deactivate",
    "user_get_or_create_by_phone",
    "user_get_or_create_by_wechat",
    "user_profile_cache_invalidate",
    "user_profile_update",
    "user_reactivate",
    "user_register",
]


def user_profile_cache_invalidate(*, user_id: int) -> None:
    """Drop the cached public profile once the current transaction commits."""
    invalidate_on_commit(profile_cache_key(user_id))


def _user_changed(user: User, *, change: str) -> None:
    # Public fields only: consumers (search, feeds) must never receive email or phone.
    publish_event(
        UserChanged(
            user_id=user.pk,
            change=change,
            nickname=user.nickname,
            avatar_url=user.avatar_url,
            about=user.about,
            is_active=user.is_active,
        )
    )
    user_profile_cache_invalidate(user_id=user.pk)


def user_changed_notify(*, user: User) -> None:
    """Announce an edit made outside these services (the admin form)."""
    _user_changed(user, change="updated")


def _check_password(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationFailed(fields={"password": list(error.messages)}) from error


def user_register(*, email: str, password: str, nickname: str = "") -> User:
    """Create an email account. A taken email is found by the unique index, never a pre-query:
    of two concurrent registrations with one email exactly one wins, the other gets 409."""
    user = User(email=normalize_email(email), nickname=nickname)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    _check_password(password, user=user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            _user_changed(user, change="created")
    except IntegrityError as error:
        # email is the only unique column set here (phone and WeChat ids are NULL).
        raise EmailTaken() from error
    return user


def user_authenticate(*, email: str, password: str) -> User:
    """The user with this email and password, else ``InvalidCredentials``.

    An unknown email costs one password hash like a known one, and every failure has the same
    message, so neither the answer nor its timing says whether the email is registered.
    """
    try:
        user = User.objects.get(email=normalize_email(email))
    except User.DoesNotExist:
        make_password(password)
        raise InvalidCredentials() from None
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    return user


def user_profile_update(*, user: User, data: dict[str, Any]) -> User:
    changed = [
        name for name in PROFILE_FIELDS if name in data and getattr(user, name) != data[name]
    ]
    if not changed:
        return user
    for name in changed:
        setattr(user, name, data[name])
    untouched = [field.name for field in User._meta.fields if field.name not in changed]
    user.clean_fields(exclude=untouched)
    with transaction.atomic():
        user.save(update_fields=[*changed, "updated_at"])
        _user_changed(user, change="updated")
    return user


def user_deactivate(*, user: User) -> User:
    """Deactivate and sign out everywhere. The per-request user check already refuses the
    tokens; revoking the sessions as well keeps them refused after a reactivation."""
    if user.is_active:
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active", "updated_at"])
            _user_changed(user, change="deactivated")
    try:
        sessions_revoke_all(user=user)
    except SessionRevokeUnavailable:
        logger.warning("deactivated user's sessions revoked in the database only")
    return user


def user_reactivate(*, user: User) -> User:
    if not user.is_active:
        with transaction.atomic():
            user.is_active = True
            user.save(update_fields=["is_active", "updated_at"])
            _user_changed(user, change="reactivated")
    return user


def _create_race_safe(lookup: dict[str, Any], **fields: Any) -> User:
    """Insert a user; when a concurrent request inserted the same one first, fetch theirs."""
    try:
        with transaction.atomic():
            created = User.objects.create_user(None, None, **fields)
            _user_changed(created, change="created")
            return created
    except IntegrityError:
        winner = User.objects.filter(**lookup).first()
        if winner is None:
            raise
        return winner


def user_get_or_create_by_phone(*, phone: str) -> User:
    user = User.objects.filter(phone=phone).first()
    return user or _create_race_safe({"phone": phone}, phone=phone)


def _user_by_wechat(*, union_id: str | None, open_id: str) -> User | None:
    if union_id:
        user = User.objects.filter(wechat_union_id=union_id).first()
        if user is not None:
            return user
    return User.objects.filter(wechat_open_id=open_id).first()


def _safe_avatar_url(url: str) -> str:
    try:
        URLValidator()(url)
    except ValidationError:
        return ""
    return url[:512]


def user_get_or_create_by_wechat(
    *, union_id: str | None, open_id: str, nickname: str = "", avatar_url: str = ""
) -> User:
    """The user of a WeChat identity (union id first, then open id), created on first sign-in."""
    user = _user_by_wechat(union_id=union_id, open_id=open_id)
    if user is None:
        lookup = {"wechat_union_id": union_id} if union_id else {"wechat_open_id": open_id}
        return _create_race_safe(
            lookup,
            wechat_union_id=union_id or None,
            wechat_open_id=open_id,
            nickname=nickname[:64],
            avatar_url=_safe_avatar_url(avatar_url) if avatar_url else "",
        )
    if union_id and user.wechat_union_id is None:
        # The open id signed in before the app had a union id; link it now (once).
        User.objects.filter(pk=user.pk, wechat_union_id__isnull=True).update(
            wechat_union_id=union_id
        )
        user_version_bump(user.pk)  # a queryset update sends no signal
        user.wechat_union_id = union_id
    return user
