"""``manage.py rank_compute``: recompute the hot list now (the beat task's work, same lock)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.ranking.services import ranking_compute_alone


class Command(BaseCommand):
    help = "Recompute the hot list now, unless another process is computing it."

    def handle(self, *args: Any, **options: Any) -> None:
        hot = ranking_compute_alone()
        if hot is None:
            raise CommandError("another process is computing the hot list (or Redis is down)")
        self.stdout.write(
            f"kept {len(hot.entries)} of {hot.scanned} articles in {hot.duration_ms} ms"
        )
