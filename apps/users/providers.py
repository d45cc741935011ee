"""What apps above users add to a public profile: follower and followee counts.

Users cannot import the follows app, so it declares the bulk read here and follows registers
``provide(ids=[user ids])`` → ``{id: {"follower_count": …, "followee_count": …}}`` in its
``AppConfig.ready()``. The counts are part of the cached public profile: whatever changes them
calls ``apps.users.services.user_profile_cache_invalidate``.
"""

from __future__ import annotations

from scholarnet.providers import BulkFieldProviders

user_follow_counts_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="user follow counts", defaults={"follower_count": 0, "followee_count": 0}
)
