"""Atom feeds of the public articles: the latest, one author's, one tag's.

Built on the public list selector the home, author and tag pages read (no content: the
abstract is the summary), so a feed never carries an article those pages would not show.
"""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed

from apps.articles.selectors import article_list_items, article_public_list
from apps.tags.names import TagNameInvalid, tag_name_parse
from apps.tags.selectors import tag_ids_for_name
from apps.users.selectors import user_public_profile_get
from apps.web.views.reading import article_path
from scholarnet.api.errors import NotFound

FEED_SIZE = 30


def _items(query: Any) -> list[dict[str, Any]]:
    rows, _more = query.keyset_page(before=None, size=FEED_SIZE)
    return article_list_items(rows, user=None, decorate=False)


class _ArticleFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item: dict[str, Any]) -> str:
        return str(item["title"])

    def item_description(self, item: dict[str, Any]) -> str:
        return str(item["abstract"])

    def item_link(self, item: dict[str, Any]) -> str:
        return article_path(item)

    def item_guid(self, item: dict[str, Any]) -> str:
        return f"article:{item['id']}"

    def item_author_name(self, item: dict[str, Any]) -> str:
        return str(item["author"].get("nickname") or "")

    def item_author_link(self, item: dict[str, Any]) -> str:
        return f"/u/{item['author']['id']}/"

    def item_pubdate(self, item: dict[str, Any]) -> Any:
        return item["published_at"]

    def item_updateddate(self, item: dict[str, Any]) -> Any:
        return item["updated_at"]

    def item_categories(self, item: dict[str, Any]) -> list[str]:
        return list(item["tags"])


class LatestArticlesFeed(_ArticleFeed):
    title = "ScholarNet: latest articles"
    link = "/"
    subtitle = "The newest public articles on ScholarNet."

    def items(self) -> list[dict[str, Any]]:
        return _items(article_public_list())


class AuthorArticlesFeed(_ArticleFeed):
    def get_object(self, request: HttpRequest, user_id: int) -> dict[str, Any]:  # type: ignore[override]
        try:
            return user_public_profile_get(user_id=user_id)
        except NotFound as error:
            raise Http404("No such author.") from error

    def title(self, obj: dict[str, Any]) -> str:
        return f"ScholarNet: articles by {obj['nickname'] or obj['id']}"

    def link(self, obj: dict[str, Any]) -> str:
        return f"/u/{obj['id']}/"

    def items(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        return _items(article_public_list(author_id=obj["id"]))


class TagArticlesFeed(_ArticleFeed):
    def get_object(self, request: HttpRequest, name: str) -> str:  # type: ignore[override]
        try:
            display = str(tag_name_parse(name).display)
        except TagNameInvalid as error:
            raise Http404("No such tag.") from error
        if not tag_ids_for_name(name=display):
            raise Http404("No such tag.")
        return display

    def title(self, obj: str) -> str:
        return f"ScholarNet: articles tagged {obj}"

    def link(self, obj: str) -> str:
        return f"/t/{obj}/"

    def items(self, obj: str) -> list[dict[str, Any]]:
        return _items(article_public_list(tag=obj))
