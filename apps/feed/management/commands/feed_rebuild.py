"""Rebuild feed inboxes from the database: one user's (``--user``), or every active user's.

Inboxes are derived state (see ``apps.feed.inbox``); this is how they come back after a Redis
loss or a change of the push threshold. Inactive users' inboxes are dropped, not rebuilt: they
are rebuilt when those users read their feed again. ``--after-id`` resumes a run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from tqdm import tqdm

from apps.feed.services import feed_inbox_rebuild


class Command(BaseCommand):
    help = "Rebuild feed inboxes from the follows and the live articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", type=int, help="Only this user id.")
        parser.add_argument("--after-id", type=int, default=0, help="Start after this user id.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects.filter(is_active=True).order_by("pk")
        if options["user"] is not None:
            users = users.filter(pk=options["user"])
        else:
            since = timezone.now() - timedelta(days=settings.FEED_ACTIVE_DAYS)
            users = users.filter(last_login__gte=since, pk__gt=options["after_id"])
        users = users.only("id", "last_login")
        disable = True if options["no_progress"] else None
        rebuilt = 0
        for user in tqdm(users.iterator(), total=users.count(), unit="user", disable=disable):
            feed_inbox_rebuild(user=user)
            rebuilt += 1
        self.stdout.write(f"Rebuilt {rebuilt} inboxes.")
