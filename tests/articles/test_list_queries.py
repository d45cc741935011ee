"""The keyset walk of apps.articles.lists: hidden articles skipped, pages full, cursors exact."""

import pytest

from apps.articles import services
from apps.articles.lists import LiveListQuery
from apps.articles.models import PublishedArticle
from apps.tags.names import name_key
from tests.articles.factories import published_article

pytestmark = pytest.mark.django_db

TAG_ARTICLES = "/api/v1/tags/optics/articles"


def test_a_tag_page_fills_past_a_run_of_hidden_articles(author, anonymous_client):
    visible = [published_article(author=author, tags=["optics"]) for _ in range(3)]
    hidden = [published_article(author=author, tags=["optics"]) for _ in range(10)]
    for article in hidden:
        services.article_withdraw(article_id=article.pk, author=author)

    first = anonymous_client.get(TAG_ARTICLES, {"page_size": 2}).json()
    second = anonymous_client.get(TAG_ARTICLES, {"page_size": 2, "cursor": first["next"]}).json()

    assert [item["id"] for item in first["results"]] == [visible[2].pk, visible[1].pk]
    assert [item["id"] for item in second["results"]] == [visible[0].pk]
    assert second["next"] is None


def test_the_walk_reads_growing_batches_and_reports_more_exactly(author):
    articles = [published_article(author=author, tags=["optics"]) for _ in range(30)]
    for article in articles[5:]:
        services.article_withdraw(article_id=article.pk, author=author)
    query = LiveListQuery(tag_key=name_key("optics"))

    rows, more = query.keyset_page(before=None, size=4)
    rest, more_after = query.keyset_page(before=rows[-1].publish_seq, size=4)

    assert [row.pk for row in rows] == [
        articles[4].pk,
        articles[3].pk,
        articles[2].pk,
        articles[1].pk,
    ]
    assert more is True
    assert [row.pk for row in rest] == [articles[0].pk]
    assert more_after is False
    assert all(isinstance(row, PublishedArticle) for row in rows + rest)


def test_a_reversed_or_offset_cursor_is_400_invalid_cursor(author, anonymous_client):
    published_article(author=author)
    from rest_framework.pagination import Cursor

    from apps.articles.pagination import ArticlePublicPagination

    forged = ArticlePublicPagination().encode_cursor(Cursor(offset=3, reverse=True, position=9))
    response = anonymous_client.get("/api/v1/articles", {"cursor": forged})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("position", [0, -5, 2**63])
def test_a_cursor_outside_the_column_is_400_invalid_cursor(author, anonymous_client, position):
    from rest_framework.pagination import Cursor

    from apps.articles.pagination import ArticlePublicPagination

    published_article(author=author)
    forged = ArticlePublicPagination().encode_cursor(
        Cursor(offset=0, reverse=False, position=position)
    )

    response = anonymous_client.get("/api/v1/articles", {"cursor": forged, "author": author.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
