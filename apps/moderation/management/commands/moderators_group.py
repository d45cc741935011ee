"""Create or complete the "Moderators" group (idempotent); add staff to it in the admin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.moderation.setup import MODERATOR_PERMISSIONS, moderators_group_ensure


class Command(BaseCommand):
    help = "Create or complete the Moderators group with its permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        group = moderators_group_ensure()
        count = group.permissions.count()
        self.stdout.write(
            f"group {group.name!r}: {count} of {len(MODERATOR_PERMISSIONS)} permissions"
        )
