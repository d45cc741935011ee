"""``comment_count`` and the review counts in the article's stat row, moved by the comments app.

The comments app owns the facts (comments, and reviews: comments of kind ``review`` with a
rating) and calls these inside the transaction of each comment write; the counts live beside
the other counts in ``ArticleStat`` and in the same Redis hash, so a page of articles still
costs one hash read for every count. The mean rating is ``review_rating_sum / review_count``,
computed when read (``apps.interactions.selectors``).

``interactions_recount`` rebuilds these counts from the comments themselves, which this app
cannot import (comments builds on interactions): the comments app registers them in
:data:`article_comment_facts` from its ``ready()``.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.interactions.counters import counters_move_on_commit
from apps.interactions.models import ArticleStat
from scholarnet.providers import BulkFieldProviders

COMMENT_FIELDS = ("comment_count", "review_count", "review_rating_sum")

# provide(ids=[article ids]) → {article_id: {"comment_count": comments now, "review_count":
# reviews now, "review_rating_sum": their ratings summed}}; ids left out: zeros.
article_comment_facts: BulkFieldProviders[int] = BulkFieldProviders(
    name="interactions.article_comment_facts", defaults=dict.fromkeys(COMMENT_FIELDS, 0)
)


def article_stat_ensure(*, article_id: int) -> None:
    """Create the article's stat row if it is missing, committed at once (outside any write).

    Called before the comment's transaction: creating the row inside it would leave concurrent
    first comments holding shared locks they each wait to upgrade (an InnoDB deadlock).
    """
    ArticleStat.objects.bulk_create([ArticleStat(article_id=article_id)], ignore_conflicts=True)


def article_stat_lock(*, article_id: int) -> None:
    """Lock the article's stat row until the caller's transaction ends."""
    ArticleStat.objects.select_for_update().filter(pk=article_id).values_list("pk").first()


def article_comment_count_add(
    *, article_id: int, delta: int, reviews: int = 0, rating_sum: int = 0
) -> int:
    """``comment_count`` += ``delta``, and for reviews among them ``review_count`` +=
    ``reviews`` and ``review_rating_sum`` += ``rating_sum``, with ``F()`` in one UPDATE (never
    below zero); the comment count after it.

    The UPDATE locks the stat row until the caller's transaction ends, so the returned count is
    exact for that transaction. The Redis hash moves once it commits, every field in one call.
    """
    moves = {"comment_count": delta, "review_count": reviews, "review_rating_sum": rating_sum}
    changed = {field: value for field, value in moves.items() if value}
    ArticleStat.objects.filter(pk=article_id).update(
        **{field: Greatest(F(field) + value, 0) for field, value in changed.items()},
        updated_at=timezone.now(),
    )
    counters_move_on_commit(changes={article_id: changed})
    value = ArticleStat.objects.filter(pk=article_id).values_list("comment_count", flat=True)
    return int(value.first() or 0)
