from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from apps.interactions.models import ArticleLike, ArticleStat
from bench.likes import like_capacity

pytestmark = pytest.mark.django_db


def _likes() -> list[tuple[str, str]]:
    """The generated likes, independent of database ids: (user email, article title)."""
    from apps.articles.models import Article

    titles = dict(Article.objects.values_list("id", "title"))
    return sorted(
        (email, titles[article_id])
        for email, article_id in ArticleLike.objects.values_list("user__email", "article_id")
    )


def test_likes_are_skewed_distinct_and_counted():
    call_command("bench_data", users=30, articles=40, likes=140, batch_size=32, seed=3)

    per_article = Counter(ArticleLike.objects.values_list("article_id", flat=True))
    assert sum(per_article.values()) == 140
    assert per_article.most_common(1)[0][1] >= 10  # the most liked article has ~a tenth
    assert len(per_article) == 40  # and every article has at least one (round 0)
    pairs = ArticleLike.objects.values("user_id", "article_id").annotate(n=Count("id"))
    assert {row["n"] for row in pairs} == {1}
    stats = dict(ArticleStat.objects.values_list("article_id", "like_count"))
    assert stats == dict(per_article)


def test_resuming_likes_gives_the_same_likes_and_counts():
    call_command("bench_data", users=20, articles=30, likes=100, batch_size=13, seed=3)
    uninterrupted = _likes()
    ArticleLike.objects.all().delete()
    ArticleStat.objects.all().delete()

    call_command("bench_data", likes=37, batch_size=10, seed=3)
    call_command("bench_data", likes=100, batch_size=9, seed=3)
    call_command("bench_data", likes=100, seed=3)  # nothing left to do

    assert _likes() == uninterrupted
    assert sum(ArticleStat.objects.values_list("like_count", flat=True)) == 100


def test_more_likes_than_the_curve_holds_is_an_error():
    call_command("bench_data", users=3, articles=4, seed=3)
    capacity = like_capacity(4, 3)

    with pytest.raises(CommandError, match=f"at most {capacity} likes"):
        call_command("bench_data", likes=capacity + 1)
    assert ArticleLike.objects.count() == 0


def test_likes_need_generated_articles():
    call_command("bench_data", users=3, seed=3)

    with pytest.raises(CommandError, match="--articles"):
        call_command("bench_data", likes=5)
