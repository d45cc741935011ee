"""Rebuild every article's comment_count, review_count and review rating sum from the comments.

Walks article ids in ascending order, one transaction per batch, while readers keep commenting:
the interactions app's recount locks the batch's stat rows before counting, and every comment
write moves the row in its own transaction, so a comment committing meanwhile is neither lost
nor counted twice. Only those counts are touched (``interactions_recount`` rebuilds them all).
``--resume`` continues an interrupted run, ``--after-id`` starts after any article id.
"""

from __future__ import annotations

from apps.comments.selectors import commented_article_ids
from apps.interactions.comment_counts import COMMENT_FIELDS
from apps.interactions.recount import article_ids_with_facts, article_stats_recount
from scholarnet.commands import ResumableIdWalkCommand


class Command(ResumableIdWalkCommand):
    help = "Rebuild the articles' comment and review counts from the comments, resumably."
    position_key = "comments:recount:position"
    unit = "article"

    def next_ids(self, *, after_id: int, limit: int) -> list[int]:
        # Articles with comments, and stat rows that may count comments that are gone.
        ids = set(commented_article_ids(after_id=after_id, limit=limit))
        ids.update(article_ids_with_facts(after_id=after_id, limit=limit))
        return sorted(ids)[:limit]

    def process(self, ids: list[int]) -> int:
        return article_stats_recount(article_ids=ids, counts=COMMENT_FIELDS)
