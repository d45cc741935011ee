from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps.articles.models import Article, PublishedArticle, PublishedArticleTag
from apps.articles.rendering import render_markdown
from apps.articles.selectors import article_search_documents
from apps.tags.models import TagBinding
from bench.generators import bench_article_title

pytestmark = pytest.mark.django_db


def _generated() -> list[tuple]:
    """What a run produced, independent of database ids: per article, in index order."""
    live = {article.pk: article for article in PublishedArticle.objects.all()}
    tags = {
        article_id: sorted(
            TagBinding.objects.filter(biz="article", biz_id=article_id).values_list(
                "tag__name", flat=True
            )
        )
        for article_id in live
    }
    return [
        (
            article.title,
            article.author.email,
            article.content,
            live[article.pk].content_html,
            article.published_at,
            tags[article.pk],
        )
        for article in Article.objects.select_related("author").order_by("published_at")
    ]


def test_generates_published_articles_by_generated_users():
    call_command("bench_data", users=20, articles=30, batch_size=8, seed=3)

    assert Article.objects.filter(status="published").count() == 30
    assert PublishedArticle.objects.count() == 30
    response = APIClient().get("/api/v1/articles", {"page_size": 30})
    titles = [item["title"] for item in response.json()["results"]]
    assert titles == [bench_article_title(3, index) for index in reversed(range(30))]
    assert all(item["author"]["nickname"] for item in response.json()["results"])
    assert all(item["tags"] for item in response.json()["results"])


def test_stored_html_is_what_publishing_would_render():
    call_command("bench_data", users=5, articles=12, seed=3)

    for live in PublishedArticle.objects.all():
        assert live.content_html == render_markdown(live.content)
        assert "$" in live.content
        assert '<span class="math inline">' in live.content_html


def test_tags_are_bound_indexed_and_listed():
    call_command("bench_data", users=5, articles=40, seed=3)

    bindings = TagBinding.objects.filter(biz="article").count()
    assert PublishedArticleTag.objects.count() == bindings > 40
    top = Counter(PublishedArticleTag.objects.values_list("name", flat=True)).most_common(1)[0]
    listed = APIClient().get(f"/api/v1/tags/{top[0]}/articles", {"page_size": 100}).json()
    assert len(listed["results"]) == top[1]
    assert len(article_search_documents()) == 40


def test_authorship_is_skewed():
    call_command("bench_data", users=50, articles=200, seed=3)

    per_author = Counter(Article.objects.values_list("author_id", flat=True))
    assert per_author.most_common(1)[0][1] >= 200 / 50 * 4
    assert len(per_author) < 50


def test_resuming_creates_only_the_missing_rows_and_the_same_data():
    call_command("bench_data", users=10, articles=25, batch_size=7, seed=3)
    uninterrupted = _generated()
    Article.objects.all().delete()
    PublishedArticle.objects.all().delete()
    TagBinding.objects.all().delete()

    call_command("bench_data", articles=9, batch_size=4, seed=3)
    call_command("bench_data", articles=25, batch_size=10, seed=3)
    call_command("bench_data", articles=25, seed=3)  # nothing left to do

    assert _generated() == uninterrupted


def test_articles_need_generated_users():
    with pytest.raises(CommandError, match="--users"):
        call_command("bench_data", articles=5)
