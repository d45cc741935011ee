"""Errors of articles, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import Conflict, NotFound, PayloadTooLarge


class ArticleNotFound(NotFound):
    # Also the answer for someone else's draft: 404, not 403, so ids cannot be probed.
    code = "not_found"
    default_detail = "Article not found."


class ContentTooLarge(PayloadTooLarge):
    code = "content_too_large"
    default_detail = "The article content is larger than the limit."


class ArticleNotPublished(Conflict):
    code = "article_not_published"
    default_detail = "The article has never been published."
