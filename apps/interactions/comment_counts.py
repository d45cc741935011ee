"""``comment_count`` in the article's stat row, moved by the comments app.

The comments app owns the facts (comments) and calls these inside the transaction of each
comment write; the count lives beside the other counts in ``ArticleStat`` and in the same Redis
hash, so a page of articles still costs one hash read for every count.

``interactions_recount`` rebuilds comment_count from the comments themselves, which this app
cannot import (comments builds on interactions): the comments app registers the count in
:data:`article_comment_facts` from its ``ready()``.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.interactions.counters import counters_incr_on_commit
from apps.interactions.models import ArticleStat
from scholarnet.providers import BulkFieldProviders

# provide(ids=[article ids]) → {article_id: {"comment_count": comments now}}; ids left out: 0.
article_comment_facts: BulkFieldProviders[int] = BulkFieldProviders(
    name="interactions.article_comment_facts", defaults={"comment_count": 0}
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


def article_comment_count_add(*, article_id: int, delta: int) -> int:
    """``comment_count`` += ``delta`` with ``F()`` (never below zero); the count after it.

    The UPDATE locks the stat row until the caller's transaction ends, so the returned count is
    exact for that transaction.
    """
    ArticleStat.objects.filter(pk=article_id).update(
        comment_count=Greatest(F("comment_count") + delta, 0), updated_at=timezone.now()
    )
    counters_incr_on_commit(field="comment_count", deltas={article_id: delta})
    value = ArticleStat.objects.filter(pk=article_id).values_list("comment_count", flat=True)
    return int(value.first() or 0)
