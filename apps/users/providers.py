"""What apps above users add to a public profile: follow counts and the viewer's flag.

Users cannot import the follows app, so it declares two bulk reads here and follows registers
its parts in its ``AppConfig.ready()``:

- ``user_follow_counts_providers``: ``provide(ids=[user ids])`` →
  ``{id: {"follower_count": …, "followee_count": …}}``;
- ``user_follow_flags_providers``: ``provide(ids=[user ids], user_id=viewer)`` →
  ``{id: {"followed": …}}``, asked only for a signed-in viewer.

The counts are never part of the cached profile: they are added per request, so a follow never
invalidates a profile. The anonymous fast path takes them from :data:`local_follow_counts`, a
per-process copy about ``USER_FOLLOW_COUNTS_LOCAL_TTL`` seconds old (refreshed ahead in bulk, see
:mod:`scholarnet.cache.refresh_ahead`), so a warm profile costs no Redis round trip; signed-in
readers get them fresh.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from scholarnet.cache.refresh_ahead import RefreshAheadTable
from scholarnet.providers import BulkFieldProviders

user_follow_counts_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="user follow counts", defaults={"follower_count": 0, "followee_count": 0}
)
user_follow_flags_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="user follow flags", defaults={"followed": False}
)


# One user's counts per process, at most about USER_FOLLOW_COUNTS_LOCAL_TTL seconds old (twice
# that at worst), refreshed ahead in bulk: a warm anonymous profile costs no Redis round trip
# whatever the request rate. ``get(user_id)`` and ``get_many(user_ids)``.
local_follow_counts: RefreshAheadTable[int, dict[str, Any]] = RefreshAheadTable(
    name="user follow counts",
    load=user_follow_counts_providers.collect,
    ttl=lambda: float(settings.USER_FOLLOW_COUNTS_LOCAL_TTL),
)
