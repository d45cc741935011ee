"""Rebuild every article's counters (likes, collects, reads, comments) from the facts.

Walks article ids in ascending order, one transaction per batch, while the site keeps liking,
reading and commenting (see ``article_stats_recount`` for why a concurrent write is neither
lost nor counted twice). The last article id done is saved after every batch: ``--resume``
continues an interrupted run from it, ``--after-id`` starts after any id; ``--counts`` limits
the run to some counters.
"""

from __future__ import annotations

from django.core.management.base import CommandParser

from apps.interactions.models import ArticleStat
from apps.interactions.recount import RECOUNTED, article_ids_with_facts, article_stats_recount
from scholarnet.commands import ResumableIdWalkCommand


class Command(ResumableIdWalkCommand):
    help = "Rebuild the articles' like, collect, read and comment counters from the facts."
    position_key = "interactions:recount:position"
    unit = "article"

    def add_walk_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--counts",
            nargs="+",
            choices=RECOUNTED,
            default=list(RECOUNTED),
            help="The counters to rebuild (default: all of them).",
        )

    def remaining(self, *, after_id: int) -> int:
        return ArticleStat.objects.filter(pk__gt=after_id).count()

    def next_ids(self, *, after_id: int, limit: int) -> list[int]:
        return article_ids_with_facts(after_id=after_id, limit=limit)

    def process(self, ids: list[int]) -> int:
        return article_stats_recount(article_ids=ids, counts=tuple(self.options["counts"]))
