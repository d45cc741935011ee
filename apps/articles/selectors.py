"""Reads of articles: the reader's detail (cached), public lists, the author's own list.

Representations are plain dicts built in bulk: one query for a page of articles with their
authors, one for their tags, and the per-article counts and per-viewer flags from one selector
call each, so a page costs the same number of queries whatever its size.

Which store answers what:

- ``GET /articles/{id}`` and the public lists read the live store (``PublishedArticle``) and
  its tag snapshot. The author of a private or taken-down article still gets the live copy
  from ``GET /articles/{id}`` (what readers saw); the working copy is at ``…/draft``.
- The draft endpoints and ``GET /me/articles`` read the working copy (``Article``) and the
  article's tag bindings (the tags app), which are the draft's tags.

The search contract (``article_search_document`` and friends) lives in
``apps.articles.search_documents`` and is re-exported here.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from apps.articles.errors import ArticleNotFound
from apps.articles.lists import LiveListQuery
from apps.articles.models import (
    Article,
    ArticleStatus,
    PublishedArticle,
    PublishedArticleTag,
)
from apps.articles.pagination import author_first_page_cursor
from apps.articles.providers import (
    ArticleCounts,
    ViewerFlags,
    counts_get,
    flags_get,
    local_counts,
)
from apps.articles.search_documents import (
    article_public_ids,
    article_search_document,
    article_search_documents,
)
from apps.tags.names import TagNameInvalid, tag_name_parse
from apps.tags.selectors import tag_names_for_resources
from apps.users.selectors import user_public_profile_fields
from scholarnet.api.renderers import dumps as json_dumps
from scholarnet.cache import two_level_cache

__all__ = [
    "ArticleCounts",
    "ViewerFlags",
    "article_author_first_page_get",
    "article_author_items",
    "article_author_list",
    "article_counts",
    "article_detail_cache_key",
    "article_draft_get",
    "article_draft_represent",
    "article_get_for_reader",
    "article_items_decorate",
    "article_list_items",
    "article_public_ids",
    "article_public_list",
    "article_readable_author_id",
    "article_search_document",
    "article_search_documents",
    "article_viewer_flags",
    "author_first_page_cache_key",
]

TAG_BIZ = "article"

_DRAFT_LIST_FIELDS = (
    "id",
    "author_id",
    "title",
    "abstract",
    "status",
    "version",
    "published_version",
    "created_at",
    "updated_at",
    "published_at",
)


# --- counts and per-viewer flags ---------------------------------------------------------------


def article_counts(*, article_ids: list[int]) -> dict[int, ArticleCounts]:
    """Like, collect, read and comment counts per article, in one read for all of them.

    Answered by the apps registered in ``apps.articles.providers`` (one bulk call each); zero
    for a field no app provides. Counters are not part of any cached article.
    """
    return counts_get(article_ids=article_ids)


def article_viewer_flags(*, user: Any, article_ids: list[int]) -> dict[int, ViewerFlags]:
    """Whether the viewer liked / collected each article; all false for anonymous viewers."""
    if user is None or not user.is_authenticated:
        return {article_id: ViewerFlags() for article_id in article_ids}
    return flags_get(user_id=user.pk, article_ids=article_ids)


def _engagement_fields(counts: ArticleCounts, flags: ViewerFlags) -> dict[str, Any]:
    return {
        "like_count": counts.like_count,
        "collect_count": counts.collect_count,
        "read_count": counts.read_count,
        "comment_count": counts.comment_count,
        "review_count": counts.review_count,
        "review_rating_mean": counts.review_rating_mean,
        "liked": flags.liked,
        "collected": flags.collected,
    }


def article_items_decorate(items: list[dict[str, Any]], *, user: Any) -> list[dict[str, Any]]:
    """Copies of ``items`` with counts and the viewer's flags added (two bulk calls)."""
    ids = [item["id"] for item in items]
    counts = article_counts(article_ids=ids)
    flags = article_viewer_flags(user=_signed_in_or_none(user), article_ids=ids)
    return [{**item, **_engagement_fields(counts[item["id"]], flags[item["id"]])} for item in items]


def _signed_in_or_none(user: Any) -> Any:
    return user if user is not None and user.is_authenticated else None


def _author(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "nickname": user.nickname, "avatar_url": user.avatar_url}


# --- GET /articles/{id}: the live copy through the two-level cache ---------------------------


def article_detail_cache_key(article_id: int) -> str:
    # v2: the entry gained doi and revision; a process of the previous release never reads it.
    return f"articles:detail:v2:{article_id}"


def _live_tags(article_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {article_id: [] for article_id in article_ids}
    rows = (
        PublishedArticleTag.objects.filter(article_id__in=article_ids)
        .order_by("name_key")
        .values_list("article_id", "name")
    )
    for article_id, name in rows:
        tags[article_id].append(name)
    return tags


# The detail's own fields, in response order. They are cached as JSON bytes: a cached read copies
# bytes instead of decoding and re-encoding the content, and the per-request fields (the author's
# current profile, counts, the viewer's flags) are appended after them.
DETAIL_OWN_FIELDS = (
    "id",
    "title",
    "abstract",
    "status",
    "tags",
    "published_at",
    "updated_at",
    "content",
    "content_html",
    "doi",
    "revision",
)
DETAIL_PER_REQUEST_FIELDS = (
    "author",
    "like_count",
    "collect_count",
    "read_count",
    "comment_count",
    "review_count",
    "review_rating_mean",
    "liked",
    "collected",
)


def _detail_load(article_id: int) -> dict[str, Any] | None:
    """The cached form of a live article: who may see it, and its own fields as JSON.

    Cached whatever its visibility (``None`` for no live copy): who may see it is decided per
    request, and every write that changes it invalidates the key once it commits.
    """
    live = PublishedArticle.objects.filter(pk=article_id).first()
    if live is None:
        return None
    own = {
        "id": live.pk,
        "title": live.title,
        "abstract": live.abstract,
        "status": live.status,
        "tags": _live_tags([live.pk])[live.pk],
        "published_at": live.published_at,
        "updated_at": live.updated_at,
        "content": live.content,
        "content_html": live.content_html,
        "doi": live.doi or None,
        "revision": live.revision,
    }
    return {"author_id": live.author_id, "public": live.is_public, "json": json_dumps(own)}


def _detail_cached(article_id: int) -> dict[str, Any] | None:
    if not settings.ARTICLE_DETAIL_CACHE_ENABLED:
        return _detail_load(article_id)
    return two_level_cache.get_or_load(
        article_detail_cache_key(article_id),
        lambda: _detail_load(article_id),
        ttl=settings.ARTICLE_DETAIL_CACHE_TTL,
    )


def _author_profile(author_id: int) -> dict[str, Any]:
    """The author's public profile from the users app's cache; blank for a closed account."""
    # The cached fields only: the profile's follow counts (a Redis read) are not shown here.
    profile = user_public_profile_fields(user_id=author_id)
    if profile is None:
        return {"id": author_id, "nickname": "", "avatar_url": ""}
    return {key: profile[key] for key in ("id", "nickname", "avatar_url")}


def _per_request_fields(article_id: int, *, author: dict[str, Any], viewer: Any) -> dict[str, Any]:
    """DETAIL_PER_REQUEST_FIELDS of one article, as :func:`article_items_decorate` adds them."""
    if viewer is None:
        # Anonymous readers get counts from this process's short-lived copy (a few seconds old
        # at most) and no flags: the fast path stays free of per-request Redis round trips.
        counts, flags = local_counts.get(article_id), ViewerFlags()
    else:
        counts = article_counts(article_ids=[article_id])[article_id]
        flags = article_viewer_flags(user=viewer, article_ids=[article_id])[article_id]
    return {"author": author, **_engagement_fields(counts, flags)}


def article_readable_author_id(*, article_id: int, user: Any) -> int:
    """The author id of a live article ``user`` may read, from the detail's cache; else 404.

    The detail's visibility for everything read alongside it (citations, revisions).
    """
    cached = _detail_cached(article_id)
    viewer = _signed_in_or_none(user)
    is_author = cached is not None and viewer is not None and viewer.pk == cached["author_id"]
    if cached is None or not (cached["public"] or is_author):
        raise ArticleNotFound()
    return int(cached["author_id"])


def article_get_for_reader(*, article_id: int, user: Any) -> dict[str, Any]:
    """The live article with its author, counts and the viewer's flags.

    Public articles for everyone; a private or taken-down one only for its author (404 for
    anyone else, exactly like an id that does not exist). Fields in response order.
    """
    cached = _detail_cached(article_id)
    viewer = _signed_in_or_none(user)
    is_author = cached is not None and viewer is not None and viewer.pk == cached["author_id"]
    if cached is None or not (cached["public"] or is_author):
        raise ArticleNotFound()
    author = _author(viewer) if is_author else _author_profile(cached["author_id"])
    own = orjson.loads(cached["json"])
    return own | _per_request_fields(article_id, author=author, viewer=viewer)


def article_public_json(*, article_id: int) -> bytes | None:
    """The JSON an anonymous reader gets from :func:`article_get_for_reader`; ``None`` for a 404.

    The anonymous fast path of ``GET /articles/{id}``: the cached bytes of the article's own
    fields with the per-request ones appended, byte for byte what the API view renders. It does
    not raise: the caller hands every ``None`` to the API view, which answers the error.
    """
    cached = _detail_cached(article_id)
    if cached is None or not cached["public"]:
        return None
    author = _author_profile(cached["author_id"])
    rest = json_dumps(_per_request_fields(article_id, author=author, viewer=None))
    return cached["json"][:-1] + b"," + rest[1:]


# --- public lists ----------------------------------------------------------------------------


def _tag_key(tag: str) -> str | None:
    try:
        return tag_name_parse(tag).key
    except TagNameInvalid:
        return None


def article_public_list(*, author_id: int | None = None, tag: str | None = None) -> LiveListQuery:
    """Public live articles newest first, optionally one author's and/or one tag's.

    A :class:`~apps.articles.lists.LiveListQuery`: ``ArticlePublicPagination`` pages it on
    ``publish_seq`` with plan-stable single-table queries; feed its pages to
    :func:`article_list_items`.
    """
    return LiveListQuery(author_id=author_id, tag_key=None if tag is None else _tag_key(tag) or "")


def _list_authors(author_ids: set[int]) -> dict[int, dict[str, Any]]:
    # By primary key, apart from the page's rows: a join here would be the optimizer's to order.
    users = (
        get_user_model()
        .objects.filter(pk__in=author_ids)
        .only("id", "nickname", "avatar_url")
        .order_by()
    )
    return {user.pk: _author(user) for user in users}


def article_list_items(
    rows: list[PublishedArticle], *, user: Any, decorate: bool = True
) -> list[dict[str, Any]]:
    """List representations of a page of :func:`article_public_list` rows (no content).

    With counts and the viewer's flags unless ``decorate`` is false (for caching). Fields in
    ``ArticleListItemOutputSerializer``'s order, so the API renders them as they are.
    """
    tags = _live_tags([article.pk for article in rows])
    authors = _list_authors({article.author_id for article in rows}) if rows else {}
    blank = {"nickname": "", "avatar_url": ""}
    items = [
        {
            "id": article.pk,
            "title": article.title,
            "abstract": article.abstract,
            "status": article.status,
            "tags": tags[article.pk],
            "published_at": article.published_at,
            "updated_at": article.updated_at,
            "author": authors.get(article.author_id, {"id": article.author_id, **blank}),
        }
        for article in rows
    ]
    return article_items_decorate(items, user=user) if decorate else items


def public_first_page_cache_key() -> str:
    # Named for its form (JSON fragments, apps.articles.first_page): a process of the previous
    # release, reading the old dict form, never meets this one during a rolling deploy.
    return "articles:public-first-page:json"


def article_public_first_page_get(*, page_size: int, user: Any) -> dict[str, Any]:
    """``{"results", "next"}`` of the unfiltered public list's first page, the one everyone reads.

    Cached as JSON bytes without counts (see :mod:`apps.articles.first_page`). Publishing,
    withdrawing, deleting, taking down and restoring any article invalidate it once they
    commit; an author's new nickname or avatar shows within ``ARTICLE_PUBLIC_FIRST_PAGE_TTL``.
    """
    from apps.articles.first_page import article_public_first_page_get as first_page_get

    return first_page_get(page_size=page_size, user=user)


# --- the author's own articles ---------------------------------------------------------------


def article_author_list(*, author: Any) -> QuerySet[Article]:
    """Every article of ``author``, every status, newest first (paginate on ``-id``)."""
    return Article.objects.filter(author=author).only(*_DRAFT_LIST_FIELDS).order_by("-id")


def article_author_items(articles: list[Article], *, author: Any) -> list[dict[str, Any]]:
    """The author's list representation (no content, no counts) of a page of articles."""
    tags = tag_names_for_resources(biz=TAG_BIZ, biz_ids=[article.pk for article in articles])
    return [
        {
            "id": article.pk,
            "title": article.title,
            "abstract": article.abstract,
            "status": article.status,
            "author": _author(author),
            "tags": tags[article.pk],
            "version": article.version,
            "has_unpublished_changes": article.has_unpublished_changes,
            "created_at": article.created_at,
            "published_at": article.published_at,
            "updated_at": article.updated_at,
        }
        for article in articles
    ]


def author_first_page_cache_key(author_id: int) -> str:
    return f"articles:author-first-page:{author_id}"


def _author_first_page_load(author: Any, page_size: int) -> dict[str, Any]:
    rows = list(article_author_list(author=author)[: page_size + 1])
    page = rows[:page_size]
    preload_id = None
    if page and page[0].status != ArticleStatus.DRAFT:
        small = PublishedArticle.objects.filter(
            pk=page[0].pk, content_bytes__lt=settings.ARTICLE_PRELOAD_MAX_BYTES
        )
        preload_id = page[0].pk if small.exists() else None
    return {
        "results": article_author_items(page, author=author),
        "next": author_first_page_cursor(page[-1].pk) if len(rows) > page_size else None,
        "preload_id": preload_id,
    }


def article_author_first_page_get(*, author: Any, page_size: int) -> dict[str, Any]:
    """``{"results", "next"}`` of the author's first page, cached without content or counts.

    Every write to one of the author's articles invalidates it. Serving it preloads the first
    article's detail into the cache (the author is likely to open it next) when it has a live
    copy smaller than ``ARTICLE_PRELOAD_MAX_BYTES``.
    """
    page = two_level_cache.get_or_load(
        author_first_page_cache_key(author.pk),
        lambda: _author_first_page_load(author, page_size),
        ttl=settings.ARTICLE_AUTHOR_FIRST_PAGE_TTL,
    )
    if page["preload_id"] is not None and settings.ARTICLE_DETAIL_CACHE_ENABLED:
        _detail_cached(page["preload_id"])
    # The author is the signed-in user: their profile as of this request, not of the cache fill.
    results = [{**item, "author": _author(author)} for item in page["results"]]
    return {"results": results, "next": page["next"]}


# --- the working copy ------------------------------------------------------------------------


def article_draft_get(*, article_id: int, author: Any) -> Article:
    """The author's working copy; someone else's (or none) is ``ArticleNotFound``."""
    article = Article.objects.filter(pk=article_id, author_id=author.pk).first()
    if article is None:
        raise ArticleNotFound()
    return article


def article_draft_represent(*, article: Article) -> dict[str, Any]:
    """The working copy as its author sees it, with the live copy's moderation state."""
    live = None
    if article.status != ArticleStatus.DRAFT:
        live = (
            PublishedArticle.objects.filter(pk=article.pk)
            .only("taken_down_at", "take_down_reason")
            .first()
        )
    return {
        "id": article.pk,
        "title": article.title,
        "content": article.content,
        "abstract": article.abstract,
        "abstract_input": article.abstract_input,
        "status": article.status,
        "tags": tag_names_for_resources(biz=TAG_BIZ, biz_ids=[article.pk])[article.pk],
        "doi": article.doi,
        "author": _author(article.author),
        "version": article.version,
        "has_unpublished_changes": article.has_unpublished_changes,
        "taken_down": live is not None and live.taken_down_at is not None,
        "take_down_reason": live.take_down_reason if live is not None else "",
        "created_at": article.created_at,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
    }
