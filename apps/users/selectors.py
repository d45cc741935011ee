"""Reads of accounts and sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.users.models import User, UserSession
from apps.users.providers import (
    local_follow_counts,
    user_follow_counts_providers,
    user_follow_flags_providers,
)
from scholarnet.api.errors import NotFound
from scholarnet.api.renderers import dumps as json_dumps
from scholarnet.cache import two_level_cache


@dataclass(frozen=True, slots=True)
class FollowCounts:
    follower_count: int = 0
    followee_count: int = 0


def user_follow_counts(*, user_ids: list[int]) -> dict[int, FollowCounts]:
    """Follower and followee counts per user, in one read for all of them.

    Answered by the app registered in ``apps.users.providers`` (follows); zero without it.
    """
    rows = user_follow_counts_providers.collect(user_ids)
    return {user_id: FollowCounts(**values) for user_id, values in rows.items()}


def user_follow_flags(*, viewer_id: int, user_ids: list[int]) -> dict[int, bool]:
    """Whether the viewer follows each of ``user_ids``, in one read; false without follows."""
    rows = user_follow_flags_providers.collect(user_ids, user_id=viewer_id)
    return {user_id: bool(values["followed"]) for user_id, values in rows.items()}


def profile_cache_key(user_id: int) -> str:
    return f"users:profile:{user_id}"


def _public_profile_load(user_id: int) -> dict[str, Any] | None:
    user = (
        User.objects.filter(pk=user_id, is_active=True)
        .only("id", "nickname", "avatar_url", "about", "orcid_id")
        .first()
    )
    if user is None:
        return None  # cached too: unknown ids cost the database nothing on repeat
    # Built field by field from public columns only: email, phone, birthday and every secret
    # stay out of the cache and the response by construction.
    return {
        "id": user.pk,
        "nickname": user.nickname,
        "avatar_url": user.avatar_url,
        "about": user.about,
        # Only an iD proven by an ORCID sign-in is ever stored, so it is always verified.
        "orcid": {"id": user.orcid_id, "verified": True} if user.orcid_id else None,
    }


def user_public_profile_get(*, user_id: int, viewer: Any = None) -> dict[str, Any]:
    """The public profile through the two-level cache; a deactivated user is not found.

    Its own fields come from the cache; counts (fresh) and, for a signed-in viewer, whether
    they follow the user, are added per request.
    """
    profile = _public_profile_cached(user_id)
    if profile is None:
        raise NotFound("User not found.")
    counts = user_follow_counts(user_ids=[user_id])[user_id]
    signed_in = viewer is not None and viewer.is_authenticated
    followed = signed_in and user_follow_flags(viewer_id=viewer.pk, user_ids=[user_id])[user_id]
    return {
        **profile,
        "follower_count": counts.follower_count,
        "followee_count": counts.followee_count,
        "followed": followed,
    }


def user_public_profile_fields(*, user_id: int) -> dict[str, Any] | None:
    """The public profile's own fields (id, nickname, avatar_url, about) from the two-level
    cache, without counts; ``None`` for a missing or deactivated user.

    For reads that show a user beside something else (an article's author): no follow counts,
    so no Redis round trip once the profile is in the process-local tier.
    """
    return _public_profile_cached(user_id)


def _public_profile_cached(user_id: int) -> dict[str, Any] | None:
    return two_level_cache.get_or_load(
        profile_cache_key(user_id),
        lambda: _public_profile_load(user_id),
        ttl=settings.USER_PROFILE_CACHE_TTL,
    )


def user_public_profile_json(*, user_id: int) -> bytes | None:
    """The JSON body of the public profile, as the API view renders it; ``None`` for a 404.

    The anonymous fast path of ``GET /users/{id}``: it does not raise NotFound, the caller hands
    every ``None`` to the API view, which answers the error.
    """
    profile = user_public_profile_anonymous(user_id=user_id)
    return None if profile is None else json_dumps(profile)


def user_public_profile_anonymous(*, user_id: int) -> dict[str, Any] | None:
    """The public profile as an anonymous reader gets it; ``None`` for a missing user.

    Counts a couple of seconds old from this process (``local_follow_counts``): no Redis round
    trip per request, for the anonymous fast path and the web's anonymous pages alike.
    """
    profile = _public_profile_cached(user_id)
    if profile is None:
        return None
    return {**profile, **local_follow_counts.get(user_id), "followed": False}


def user_search_document(*, user_id: int) -> dict[str, Any] | None:
    """What search indexes for a user: public profile fields only, never email or phone.

    None for a missing or deactivated user, whose entry the index then drops.
    """
    row = (
        User.objects.filter(pk=user_id, is_active=True)
        .values("id", "nickname", "about", "avatar_url")
        .first()
    )
    return dict(row) if row is not None else None


def user_active_ids(*, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are active accounts (one primary-key query)."""
    if not user_ids:
        return set()
    return set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("id", flat=True))


def user_me_get(*, user: User) -> dict[str, Any]:
    """The signed-in user's own profile, private fields included."""
    counts = user_follow_counts(user_ids=[user.pk])[user.pk]
    return {
        "id": user.pk,
        "email": user.email,
        "phone": user.phone,
        "nickname": user.nickname,
        "avatar_url": user.avatar_url,
        "about": user.about,
        "birthday": user.birthday,
        "date_joined": user.date_joined,
        "follower_count": counts.follower_count,
        "followee_count": counts.followee_count,
        "email_digest": user.email_digest,
    }


def user_get_for_authentication(*, user_id: int | str) -> User | None:
    """One primary-key query per authenticated request, so deactivation takes effect at once."""
    try:
        return User.objects.filter(pk=int(user_id)).first()
    except (TypeError, ValueError):
        return None


def user_session_list(*, user: User) -> QuerySet[UserSession]:
    """The user's sessions that can still be used: not revoked, not expired."""
    return UserSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-id")
