"""The reading pages: home, article, author, tag, search, robots.txt.

Every read goes through the selectors the API views use, so what a page shows (visibility,
counts, flags) is what the API answers: a private, withdrawn or draft article is a 404 here as
there, and the article page counts its read with the same event the API emits.

The content with its math rendered as MathML is cached per article *revision and update time*
as the article's detail cache holds them: every write that invalidates that cache
(apps.articles.services, on commit) gives the next read a new key, so a stale body is never shown.

Anonymous readers of the article page and the home page get the whole page from
:mod:`apps.web.page_cache`, rendered once with holes for the counts and the absolute URLs, which
each request fills. They hold no CSRF token: an anonymous reader's like, collect and follow are
links to sign in. The article page's stamp is the article's revision and
update time and its author's profile; its key is dropped by the articles app's live-change hook
and by the comments app's change hook (``WebConfig.ready()``). The home page is dropped by the
live-change hook of any article and lives ``WEB_HOME_PAGE_TTL`` seconds, which bounds how long
a recomputed hot list waits to show there; its counts are at most
``ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL`` seconds old, as on the API's public first page.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from apps.articles.citations import permalink_path
from apps.articles.errors import ArticleNotFound
from apps.articles.reads import article_read_emit
from apps.articles.selectors import (
    article_counts,
    article_get_for_reader,
    article_list_items,
    article_public_list,
)
from apps.feed.selectors import feed_page
from apps.follows.selectors import followed_tag_names
from apps.ranking.selectors import hot_articles_page
from apps.search.errors import QueryEmpty, QueryTooLong
from apps.search.selectors import search_results_list
from apps.tags.names import TagNameInvalid, tag_name_parse
from apps.tags.selectors import tag_ids_for_name, tag_list
from apps.users.selectors import user_public_profile_anonymous, user_public_profile_get
from apps.web.math import math_to_mathml
from apps.web.page_cache import Holes, anonymous_page_request, cached_page, page_key
from apps.web.views import academic
from scholarnet.api.errors import NotFound

PAGE_SIZE = 20
HOT_SIZE = 10
FEED_SIZE = 10
TAG_CHIPS = 24
SEARCH_PAGE_SIZE = 10
SEARCH_TABS = {"articles": "article", "users": "user", "tags": "tag"}
BODY_CACHE_TTL = 3600
# The fields of an article's page that change per request.
ARTICLE_COUNT_FIELDS = ("like_count", "collect_count", "comment_count", "read_count")
LIST_COUNT_FIELDS = ("like_count", "comment_count", "read_count")
# Anonymous pages hold no CSRF token (their actions are links to sign in): a hole that is never
# filled, so a form added to them later fails every test that renders one instead of caching
# one reader's token for all.
NO_CSRF_TOKEN = "csrf_token_on_an_anonymous_page"  # noqa: S105 - a hole's name, not a secret


def article_page_key(article_id: int) -> str:
    return page_key(f"article:{article_id}")


def home_page_key() -> str:
    return page_key("home")


def article_page_key_of(article_id: int) -> list[str]:
    """What a change of the article's comments makes stale (the home page shows no thread)."""
    return [article_page_key(article_id)]


def article_page_keys(article_id: int) -> list[str]:
    """What a change of the article's public state makes stale."""
    return [article_page_key(article_id), home_page_key()]


def article_slug(title: str) -> str:
    return slugify(title, allow_unicode=True)[:80] or "article"


def article_path(article: dict[str, Any]) -> str:
    return f"/a/{article['id']}/{article_slug(article['title'])}/"


def _signed_in(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _keyset_page(query: Any, request: HttpRequest) -> tuple[list[dict[str, Any]], int | None]:
    """A page of a public list, with counts and flags, and the ``before`` of the next page."""
    rows, more = query.keyset_page(before=_before(request), size=PAGE_SIZE)
    items = article_list_items(rows, user=request.user)
    for item in items:
        item["path"] = article_path(item)
    return items, rows[-1].publish_seq if more and rows else None


def _with_paths(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with their page's path, and dates as datetimes (cached lists hold ISO strings)."""
    return [
        {
            **item,
            "path": article_path(item),
            "published_at": _datetime(item.get("published_at")),
        }
        for item in items
    ]


def _datetime(value: Any) -> Any:
    return parse_datetime(value) if isinstance(value, str) else value


class _CountsTier:
    """The anonymous home page's counts, kept for a few seconds in this process.

    One entry (the page everyone reads), replaced whole; threads that miss at the same moment may
    each read the counts once, which is cheaper than making them wait for each other.
    """

    def __init__(self) -> None:
        self._entry: tuple[float, tuple[int, ...], dict[str, int]] | None = None

    def values(self, ids: tuple[int, ...]) -> dict[str, int]:
        now, entry = time.monotonic(), self._entry
        if entry is not None and entry[0] > now and entry[1] == ids:
            return entry[2]
        counts = article_counts(article_ids=list(ids))
        values = {
            f"{name}:{article_id}": getattr(counts[article_id], name)
            for article_id in ids
            for name in LIST_COUNT_FIELDS
        }
        self._entry = (now + settings.ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL, ids, values)
        return values

    def clear(self) -> None:
        self._entry = None


home_counts = _CountsTier()


def _holed_items(items: list[dict[str, Any]], holes: Holes) -> list[dict[str, Any]]:
    return [
        {**item, **{name: holes(f"{name}:{item['id']}") for name in LIST_COUNT_FIELDS}}
        for item in items
    ]


def _home_cached(request: HttpRequest) -> HttpResponse:
    """The anonymous home page: cached with holes for its counts."""

    def render_page(holes: Holes) -> tuple[str, dict[str, Any]]:
        latest, next_before = _keyset_page(article_public_list(), request)
        hot = _with_paths(hot_articles_page(user=request.user, offset=0, page_size=HOT_SIZE).items)
        context = {
            "latest": _holed_items(latest, holes),
            "next_before": next_before,
            "hot": _holed_items(hot, holes),
            "feed": [],
            "tags": _tag_chips([*hot, *latest]),
            "csrf_token": holes(NO_CSRF_TOKEN),
        }
        ids = tuple(dict.fromkeys(item["id"] for item in [*hot, *latest]))
        return render_to_string("web/reading/home.html", context, request=request), {"ids": ids}

    page = cached_page(
        home_page_key(), stamp=None, render=render_page, ttl=settings.WEB_HOME_PAGE_TTL
    )
    return HttpResponse(page.fill(home_counts.values(page.meta["ids"])))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if anonymous_page_request(request):
        return _home_cached(request)
    user = _signed_in(request)
    latest, next_before = _keyset_page(article_public_list(), request)
    context: dict[str, Any] = {
        "latest": latest,
        "next_before": next_before,
        "tags": [],
        "hot": [],
        "feed": [],
    }
    if _before(request) is None:
        hot = hot_articles_page(user=request.user, offset=0, page_size=HOT_SIZE).items
        context["hot"] = _with_paths(hot)
        if user is not None:
            context["feed"] = _with_paths(feed_page(user=user, before=None, size=FEED_SIZE).items)
    context["tags"] = _tag_chips([*context["feed"], *context["hot"], *latest])
    return render(request, "web/reading/home.html", context)


def _tag_chips(items: list[dict[str, Any]]) -> list[str]:
    """The official tags, then the tags of the articles shown, each once, at most TAG_CHIPS."""
    names = [tag.name for tag in tag_list()[:TAG_CHIPS]]
    names += [name for item in items for name in item["tags"]]
    seen: set[str] = set()
    chips = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            chips.append(name)
    return chips[:TAG_CHIPS]


def _body_html(article: dict[str, Any]) -> str:
    """The content with MathML, cached per revision and update time of the cached detail."""
    key = f"web:article-body:v1:{article['id']}:{article.get('revision')}:{article['updated_at']}"
    body = cache.get(key)
    if body is None:
        body = math_to_mathml(article["content_html"])
        cache.set(key, body, BODY_CACHE_TTL)
    return str(body)


def _is_public(article: dict[str, Any], *, viewer: Any) -> bool:
    """Whether everyone may read it: only its author also reads a private or taken-down one."""
    if viewer is None or viewer.pk != article["author"]["id"]:
        return True  # article_get_for_reader let a reader who is not the author see it
    try:
        article_get_for_reader(article_id=article["id"], user=None)  # the cached detail again
    except ArticleNotFound:
        return False
    return True


@require_GET
def article_detail(
    request: HttpRequest, article_id: int | str, slug: str | None = None
) -> HttpResponse:
    cached = anonymous_page_request(request)
    viewer = None if cached else request.user  # no session cookie: anonymous, user not loaded
    try:
        article = article_get_for_reader(article_id=int(article_id), user=viewer)
    except ArticleNotFound as error:
        raise Http404("No such article.") from error
    canonical = article_path(article)
    if request.path != canonical:
        return redirect(canonical, permanent=True)
    # The same event as GET /api/v1/articles/{id}: counted once per reader by the interactions app.
    article_read_emit(
        request=request,
        article_id=article["id"],
        author_id=article["author"]["id"],
        user=viewer,
    )
    if cached:
        author = user_public_profile_anonymous(user_id=article["author"]["id"])
        author = author or _closed_account_card(article)
        return _article_cached(request, article=article, author=author, canonical=canonical)
    try:
        author = user_public_profile_get(user_id=article["author"]["id"], viewer=request.user)
    except NotFound:
        author = _closed_account_card(article)
    context = {
        "article": article,
        "public": _is_public(article, viewer=_signed_in(request)),
        "author": author,
        "body_html": _body_html(article),
        "canonical_url": request.build_absolute_uri(canonical),
        **academic.article_academic_context(
            request, article, citation_url=request.build_absolute_uri(permalink_path(article["id"]))
        ),
        **academic.article_viewer_context(request, article),
    }
    return render(request, "web/reading/article.html", context)


def _closed_account_card(article: dict[str, Any]) -> dict[str, Any]:
    return {**article["author"], "about": "", "follower_count": 0, "followed": False}


def _profile_stamp(author: dict[str, Any]) -> str:
    """The author card's own fields, as text: a new nickname or avatar renders the page again."""
    per_request = ("follower_count", "followee_count", "followed")
    return repr(sorted((name, value) for name, value in author.items() if name not in per_request))


def _article_cached(
    request: HttpRequest, *, article: dict[str, Any], author: dict[str, Any], canonical: str
) -> HttpResponse:
    """The anonymous article page: cached with holes for its counts and its URL."""

    def render_page(holes: Holes) -> tuple[str, dict[str, Any]]:
        context = {
            "article": {**article, **{name: holes(name) for name in ARTICLE_COUNT_FIELDS}},
            "public": True,
            "author": {
                **author,
                "follower_count": holes("follower_count"),
                "follower_noun": holes("follower_noun"),
            },
            "body_html": _body_html(article),
            "canonical_url": holes("canonical_url"),
            "csrf_token": holes(NO_CSRF_TOKEN),
            **academic.article_academic_context(
                request, article, citation_url=holes("permalink_url")
            ),
        }
        return render_to_string("web/reading/article.html", context, request=request), {}

    stamp = (article.get("revision"), article["updated_at"], _profile_stamp(author))
    page = cached_page(
        article_page_key(article["id"]),
        stamp=stamp,
        render=render_page,
        ttl=settings.WEB_ARTICLE_PAGE_TTL,
    )
    followers = author["follower_count"]
    values: dict[str, object] = {name: article[name] for name in ARTICLE_COUNT_FIELDS}
    values["follower_count"] = followers
    values["follower_noun"] = "follower" if followers == 1 else "followers"
    values["canonical_url"] = request.build_absolute_uri(canonical)
    values["permalink_url"] = request.build_absolute_uri(permalink_path(article["id"]))
    return HttpResponse(page.fill(values))


@require_GET
def article_short(request: HttpRequest, article_id: int) -> HttpResponse:
    return article_detail(request, article_id)


@require_GET
def author_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        author = user_public_profile_get(user_id=user_id, viewer=request.user)
    except NotFound as error:
        raise Http404("No such author.") from error
    articles, next_before = _keyset_page(article_public_list(author_id=user_id), request)
    context = {"author": author, "articles": articles, "next_before": next_before}
    return render(request, "web/reading/author.html", context)


@require_GET
def tag_detail(request: HttpRequest, name: str) -> HttpResponse:
    try:
        display = tag_name_parse(name).display
    except TagNameInvalid as error:
        raise Http404("No such tag.") from error
    if not tag_ids_for_name(name=display):
        raise Http404("No such tag.")
    articles, next_before = _keyset_page(article_public_list(tag=display), request)
    user = _signed_in(request)
    followed = user is not None and display in followed_tag_names(user_id=user.pk)
    context = {
        "tag": display,
        "articles": articles,
        "next_before": next_before,
        "tag_followed": followed,
    }
    return render(request, "web/reading/tag.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    tab = request.GET.get("type", "articles")
    if tab not in SEARCH_TABS:
        tab = "articles"
    page_value = request.GET.get("page", "1")
    page = int(page_value) if page_value.isdigit() and 0 < int(page_value) < 1000 else 1
    context: dict[str, Any] = {
        "q": query,
        "tab": tab,
        "tabs": list(SEARCH_TABS),
        "page": page,
        "results": [],
        "error": "",
        "next_page": None,
        "previous_page": page - 1 if page > 1 else None,
    }
    user = _signed_in(request)
    if query.strip():
        try:
            found = search_results_list(
                doc_type=SEARCH_TABS[tab],
                query=query,
                viewer_id=user.pk if user is not None else None,
                offset=(page - 1) * SEARCH_PAGE_SIZE,
                limit=SEARCH_PAGE_SIZE,
            )
        except (QueryEmpty, QueryTooLong) as error:
            context["error"] = str(error.detail) if hasattr(error, "detail") else str(error)
        else:
            results = found.results
            if tab == "articles":
                results = _with_paths(results)
            context["results"] = results
            context["next_page"] = page + 1 if found.next_offset is not None else None
    return render(request, "web/reading/search.html", context)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /api/",
        "Disallow: /admin/",
        "Disallow: /me/",
        "Disallow: /write/",
        "Disallow: /search",
        f"Sitemap: {request.build_absolute_uri(reverse('web:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
