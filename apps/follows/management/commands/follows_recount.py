"""Rebuild every user's follower and followee counts from the follows.

Walks user ids in ascending order in batches while the site keeps following (see
``follow_stats_recount`` for why a concurrent follow is neither lost nor counted twice). The
last user id done is saved after every batch: ``--resume`` continues an interrupted run from it,
``--after-id`` starts after any id.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.follows.services import follow_stats_recount
from scholarnet.commands import ResumableIdWalkCommand

POSITION_KEY = "follows:recount:position"


class Command(ResumableIdWalkCommand):
    help = "Rebuild the users' follower and followee counts from the follows, resumably."
    position_key = POSITION_KEY
    unit = "user"

    def remaining(self, *, after_id: int) -> int:
        return get_user_model().objects.filter(pk__gt=after_id).count()

    def next_ids(self, *, after_id: int, limit: int) -> list[int]:
        users = get_user_model().objects.filter(pk__gt=after_id).order_by("pk")
        return list(users.values_list("pk", flat=True)[:limit])

    def process(self, ids: list[int]) -> int:
        return follow_stats_recount(user_ids=ids)
