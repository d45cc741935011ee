"""The likes generator (``bench_data --likes N``): likes by generated users, skewed popularity.

Popularity is Zipf-like: the article of popularity rank ``r`` (of ``A`` generated articles) can
hold ``min(U, max(1, A // (r + 1)))`` likes from the ``U`` generated users, about ``A·ln A`` in
all (1.2M for 100k articles). Likes are numbered round by round so that every prefix is skewed
the same way: round ``j`` gives one like to each article that can hold more than ``j``, which
are exactly the ``A // (j + 1)`` most popular ones (all ``A`` in round 0). Like ``i`` is thus a
pure function of ``(seed, i, A, U)``: its round and rank come from the round sizes, its user is
the ``j``-th of a per-article walk through the users with a stride coprime to ``U``, so no user
likes an article twice. Ranks are spread over the articles by a seeded permutation (the most
liked article is not the oldest one).

Each batch inserts the likes and adds them to the articles' ``ArticleStat.like_count`` in the
same transaction, as liking does. Likes by generated users are the generated ones, which is how a
resumed run counts them.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction

from apps.articles.models import Article
from apps.interactions.models import ArticleLike, ArticleStat
from bench.generators import (
    _RUN,
    BENCH_EMAIL_DOMAIN,
    Existing,
    Generator,
    register,
    row_random,
)

__all__ = ["like_capacity", "like_target"]


def like_capacity(article_count: int, user_count: int) -> int:
    """How many distinct likes the popularity curve has room for."""
    return sum(_round_size(j, article_count) for j in range(min(user_count, article_count)))


def _round_size(round_index: int, article_count: int) -> int:
    return article_count if round_index == 0 else article_count // (round_index + 1)


def _round_starts(article_count: int, user_count: int) -> list[int]:
    """Index of the first like of each round (cumulative round sizes)."""
    starts, total = [], 0
    for j in range(min(user_count, article_count)):
        starts.append(total)
        total += _round_size(j, article_count)
    return starts


def _stride(seed: int, rank: int, user_count: int) -> tuple[int, int]:
    rng = row_random(seed, "like-walk", rank)
    stride = rng.randrange(1, user_count) if user_count > 1 else 1
    while math.gcd(stride, user_count) != 1:
        stride += 1
    return rng.randrange(user_count), stride


def like_target(
    seed: int, index: int, *, starts: list[int], article_count: int, user_count: int
) -> tuple[int, int]:
    """``(article index, user index)`` of like ``index``: see the module docstring."""
    round_index = bisect.bisect_right(starts, index) - 1
    rank = index - starts[round_index]
    offset, stride = _stride(seed, rank, user_count)
    # A permutation of the article indexes: rank r lands on (r * step + shift) mod A.
    step, shift = _article_permutation(seed, article_count)
    return (rank * step + shift) % article_count, (offset + round_index * stride) % user_count


def _article_permutation(seed: int, article_count: int) -> tuple[int, int]:
    rng = row_random(seed, "like-articles", article_count)
    step = rng.randrange(1, article_count) if article_count > 1 else 1
    while math.gcd(step, article_count) != 1:
        step += 1
    return step, rng.randrange(article_count)


def _bench_user_ids() -> list[int]:
    if "user_ids" not in _RUN:
        users = get_user_model().objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
        _RUN["user_ids"] = list(users.order_by("pk").values_list("pk", flat=True))
    return list(_RUN["user_ids"])


def _bench_article_ids() -> list[int]:
    if "article_ids" not in _RUN:
        articles = Article.objects.filter(author__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
        _RUN["article_ids"] = list(articles.order_by("pk").values_list("pk", flat=True))
    return list(_RUN["article_ids"])


def existing_likes() -> Existing:
    count = ArticleLike.objects.filter(user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}").count()
    return Existing(count=count, next_index=count)


def create_likes(seed: int, start: int, stop: int) -> int:
    user_ids, article_ids = _bench_user_ids(), _bench_article_ids()
    if not user_ids or not article_ids:
        raise CommandError("Likes need generated users and articles: run --users and --articles.")
    if "like_starts" not in _RUN:
        _RUN["like_starts"] = _round_starts(len(article_ids), len(user_ids))
        _RUN["like_capacity"] = like_capacity(len(article_ids), len(user_ids))
    if stop > _RUN["like_capacity"]:
        raise CommandError(
            f"{len(article_ids)} articles and {len(user_ids)} users hold at most "
            f"{_RUN['like_capacity']} likes: generate more of them first."
        )
    likes = [_like(seed, index, user_ids, article_ids) for index in range(start, stop)]
    with transaction.atomic():
        ArticleLike.objects.bulk_create(likes, batch_size=2000)
        _stats_add(Counter(like.article_id for like in likes))
    return len(likes)


def _like(seed: int, index: int, user_ids: list[int], article_ids: list[int]) -> ArticleLike:
    article, user = like_target(
        seed,
        index,
        starts=_RUN["like_starts"],
        article_count=len(article_ids),
        user_count=len(user_ids),
    )
    return ArticleLike(user_id=user_ids[user], article_id=article_ids[article])


def _stats_add(added: Counter[int]) -> None:
    # One generator writes at a time, so read-add-upsert inside its transaction is exact here.
    current: dict[int, Any] = dict(
        ArticleStat.objects.filter(article_id__in=added).values_list("article_id", "like_count")
    )
    ArticleStat.objects.bulk_create(
        [
            ArticleStat(article_id=article_id, like_count=current.get(article_id, 0) + count)
            for article_id, count in added.items()
        ],
        update_conflicts=True,
        # MySQL's ON DUPLICATE KEY UPDATE takes no conflict target; the others need one.
        unique_fields=["article_id"]
        if connection.features.supports_update_conflicts_with_target
        else None,
        update_fields=["like_count"],
        batch_size=2000,
    )


register(
    Generator(
        name="likes",
        help="total number of generated likes by generated users (run after --articles), "
        "Zipf-skewed over the articles, counted in ArticleStat.like_count",
        existing=existing_likes,
        create_rows=create_likes,
        models=(ArticleLike, ArticleStat),
    )
)
