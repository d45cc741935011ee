import pytest

from apps.articles import services
from apps.articles.selectors import (
    article_public_ids,
    article_search_document,
    article_search_documents,
)
from tests.articles.factories import ArticleFactory, published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_document_of_a_public_article(author):
    article = published_article(
        author=author,
        title="Heat kernels",
        content="# Intro\n\nThe kernel $e^{-t\\Delta}$ & *friends*.",
        tags=["Analysis", "PDE"],
    )

    document = article_search_document(article_id=article.pk)

    assert document == {
        "id": article.pk,
        "title": "Heat kernels",
        "abstract": "Intro The kernel e^{-t\\Delta} & friends.",
        "text": "Intro The kernel e^{-t\\Delta} & friends.",
        "tags": ["Analysis", "PDE"],
        "author_id": author.pk,
        "author_nickname": "Ada",
        "published_at": article.published_at,
    }


def test_no_document_unless_publicly_visible(author):
    draft = ArticleFactory(author=author)
    withdrawn = published_article(author=author)
    services.article_withdraw(article_id=withdrawn.pk, author=author)
    taken_down = published_article(author=author)
    services.article_take_down(
        article_id=taken_down.pk, moderator=UserFactory(is_staff=True), reason="spam"
    )

    for article in (draft, withdrawn, taken_down):
        assert article_search_document(article_id=article.pk) is None
    assert article_search_document(article_id=987_654) is None


def test_the_document_shows_the_published_version_not_the_draft(author):
    article = published_article(author=author, title="Published", tags=["old"])
    services.article_draft_update(
        article_id=article.pk, author=author, data={"title": "Draft", "tags": ["new"]}
    )

    document = article_search_document(article_id=article.pk)

    assert (document["title"], document["tags"]) == ("Published", ["old"])


def test_documents_come_in_id_batches_of_public_articles_only(author):
    articles = [published_article(author=author) for _ in range(5)]
    services.article_withdraw(article_id=articles[2].pk, author=author)

    first = article_search_documents(batch_size=2)
    second = article_search_documents(after_id=first[-1]["id"], batch_size=2)
    last = article_search_documents(after_id=second[-1]["id"], batch_size=2)

    assert [document["id"] for document in first] == [articles[0].pk, articles[1].pk]
    assert [document["id"] for document in second] == [articles[3].pk, articles[4].pk]
    assert last == []


def test_a_batch_costs_three_queries_whatever_its_size(django_assert_num_queries):
    for _ in range(30):
        published_article(author=UserFactory(), tags=["a", "b"])

    # The articles with their authors, their tags, and the text extras (attachments' PDFs).
    with django_assert_num_queries(3):
        documents = article_search_documents(batch_size=500)

    assert len(documents) == 30
    assert all(document["tags"] == ["a", "b"] for document in documents)


def test_public_ids(author):
    public = published_article(author=author)
    withdrawn = published_article(author=author)
    services.article_withdraw(article_id=withdrawn.pk, author=author)
    draft = ArticleFactory(author=author)

    assert article_public_ids(article_ids=[public.pk, withdrawn.pk, draft.pk, 99_999]) == {
        public.pk
    }
    assert article_public_ids(article_ids=[]) == set()
