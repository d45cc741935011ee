"""Rebuild every user's follower and followee counts from the follows.

Walks user ids in ascending order in batches while the site keeps following (see
``follow_stats_recount`` for why a concurrent follow is neither lost nor counted twice). The
last user id done is saved after every batch: ``--resume`` continues an interrupted run from it,
``--after-id`` starts after any id.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_redis import get_redis_connection
from tqdm import tqdm

from apps.follows.services import follow_stats_recount

POSITION_KEY = "follows:recount:position"


class Command(BaseCommand):
    help = "Rebuild the users' follower and followee counts from the follows, resumably."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        start = parser.add_mutually_exclusive_group()
        start.add_argument("--after-id", type=int, default=0, help="Start after this user id.")
        start.add_argument("--resume", action="store_true", help="Continue the last run.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        redis = get_redis_connection("default")
        after_id = int(redis.get(POSITION_KEY) or 0) if options["resume"] else options["after_id"]
        users = get_user_model().objects.order_by("pk").values_list("pk", flat=True)
        checked = changed = 0
        disable = True if options["no_progress"] else None  # None: only on a terminal
        total = users.filter(pk__gt=after_id).count()
        with tqdm(total=total, desc="users", unit="user", disable=disable) as bar:
            while ids := list(users.filter(pk__gt=after_id)[: options["batch_size"]]):
                changed += follow_stats_recount(user_ids=ids)
                checked, after_id = checked + len(ids), ids[-1]
                redis.set(POSITION_KEY, after_id)
                bar.update(len(ids))
        redis.delete(POSITION_KEY)
        self.stdout.write(f"Recounted {checked} users: {changed} corrected.")
