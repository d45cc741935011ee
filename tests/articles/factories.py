from __future__ import annotations

from typing import Any

import factory

from apps.articles import services
from apps.articles.models import Article
from tests.users.factories import UserFactory

MARKDOWN = "Energy and mass: $E = mc^2$.\n\n$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$\n"


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft written straight to the working copy (no tags, never published)."""

    class Meta:
        model = Article

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"On sparse solvers, part {n}")
    content = MARKDOWN
    abstract_input = ""
    abstract = "Energy and mass: E = mc^2. \\int_0^1 x\\,dx = \\frac{1}{2}"


def published_article(*, tags: list[str] | None = None, **fields: Any) -> Article:
    """An article created and published through the services, as the API does it."""
    author = fields.pop("author", None) or UserFactory()
    article = services.article_create(
        author=author,
        title=fields.pop("title", "Notes on spectral graph theory"),
        content=fields.pop("content", MARKDOWN),
        abstract=fields.pop("abstract", ""),
        tags=tags,
    )
    assert not fields, f"unknown fields {fields}"
    return services.article_publish(article_id=article.pk, author=author)
