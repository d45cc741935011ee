"""``/sitemap.xml``: the home page and every public article (newest first, up to a cap)."""

from __future__ import annotations

from typing import Any

from django.contrib.sitemaps import Sitemap

from apps.articles.selectors import article_list_items, article_public_list
from apps.web.views.reading import article_path

SITEMAP_ARTICLES = 5000


class StaticPagesSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self) -> list[str]:
        return ["/"]

    def location(self, item: str) -> str:
        return item


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 1000

    def items(self) -> list[dict[str, Any]]:
        rows, _more = article_public_list().keyset_page(before=None, size=SITEMAP_ARTICLES)
        return article_list_items(rows, user=None, decorate=False)

    def location(self, item: dict[str, Any]) -> str:
        return article_path(item)

    def lastmod(self, item: dict[str, Any]) -> Any:
        return item["updated_at"]


SITEMAPS = {"pages": StaticPagesSitemap, "articles": ArticleSitemap}
