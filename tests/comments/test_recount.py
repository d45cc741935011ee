"""``manage.py comments_recount``: comment_count rebuilt from the comments, resumably."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_redis import get_redis_connection

from apps.comments.services import comment_create
from apps.interactions.counters import counts_key
from apps.interactions.models import ArticleStat
from apps.interactions.services import article_like
from tests.articles.factories import published_article

pytestmark = pytest.mark.django_db(transaction=True)


def _recount(*args: str) -> str:
    out = StringIO()
    call_command("comments_recount", "--no-progress", *args, stdout=out)
    return out.getvalue().strip()


def _stat(article_id: int) -> tuple[int, int]:
    stat = ArticleStat.objects.get(pk=article_id)
    return stat.comment_count, stat.like_count


@pytest.fixture
def articles(author, reader):
    commented, liked, emptied = (published_article(author=author) for _ in range(3))
    for text in ("One", "Two"):
        root = comment_create(user=reader, article_id=commented.pk, content=text)
    comment_create(user=author, article_id=commented.pk, content="Reply", parent_id=root.pk)
    article_like(user=reader, article_id=liked.pk)
    return commented, liked, emptied


def test_wrong_counts_are_rebuilt_from_the_comments_and_nothing_else_moves(articles):
    commented, liked, emptied = articles
    ArticleStat.objects.filter(pk=commented.pk).update(comment_count=9)
    ArticleStat.objects.filter(pk=liked.pk).update(like_count=7)  # not this command's to fix
    ArticleStat.objects.update_or_create(article_id=emptied.pk, defaults={"comment_count": 4})
    redis = get_redis_connection("default")
    redis.hset(counts_key(commented.pk), mapping={"comment_count": 9})

    assert _recount() == "Recounted 3 articles: 2 corrected."
    assert _stat(commented.pk) == (3, 0)
    assert _stat(emptied.pk) == (0, 0)
    assert _stat(liked.pk) == (0, 7)
    assert not redis.exists(counts_key(commented.pk))  # the corrected hash is dropped
    assert _recount() == "Recounted 3 articles: 0 corrected."


def test_resume_starts_after_the_saved_position(articles):
    commented, liked, emptied = articles
    for article in articles:
        ArticleStat.objects.update_or_create(article_id=article.pk, defaults={"comment_count": 5})
    get_redis_connection("default").set("comments:recount:position", liked.pk)

    assert _recount("--resume") == "Recounted 1 articles: 1 corrected."
    assert [_stat(article.pk)[0] for article in articles] == [5, 5, 0]
    assert _recount("--after-id", str(commented.pk)) == "Recounted 2 articles: 1 corrected."
    assert emptied.pk > liked.pk > commented.pk
    assert [_stat(article.pk)[0] for article in articles] == [5, 0, 0]
