"""Rebuild like_count and collect_count of every article from the likes and folder entries.

Walks article ids in ascending order, one transaction per batch, while the site keeps liking
(see ``article_stats_recount`` for why a concurrent like is neither lost nor counted twice).
The last article id done is saved after every batch: ``--resume`` continues an interrupted run
from it, ``--after-id`` starts after any id.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_redis import get_redis_connection
from tqdm import tqdm

from apps.interactions.models import ArticleStat
from apps.interactions.recount import article_ids_with_facts, article_stats_recount

POSITION_KEY = "interactions:recount:position"


class Command(BaseCommand):
    help = "Rebuild the articles' like and collect counters from the facts, resumably."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        start = parser.add_mutually_exclusive_group()
        start.add_argument("--after-id", type=int, default=0, help="Start after this article id.")
        start.add_argument("--resume", action="store_true", help="Continue the last run.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        redis = get_redis_connection("default")
        after_id = options["after_id"]
        if options["resume"]:
            after_id = int(redis.get(POSITION_KEY) or 0)
        checked = changed = 0
        total = ArticleStat.objects.filter(pk__gt=after_id).count()
        disable = True if options["no_progress"] else None  # None: only on a terminal
        with tqdm(total=total, desc="articles", unit="article", disable=disable) as bar:
            while ids := article_ids_with_facts(after_id=after_id, limit=options["batch_size"]):
                changed += article_stats_recount(article_ids=ids)
                checked, after_id = checked + len(ids), ids[-1]
                redis.set(POSITION_KEY, after_id)
                bar.update(len(ids))
        redis.delete(POSITION_KEY)
        self.stdout.write(f"Recounted {checked} articles: {changed} corrected.")
