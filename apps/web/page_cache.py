"""Whole anonymous pages from the two-level cache, with holes for what changes per request.

An anonymous reader's article page and home page are the same for every anonymous reader but
for a few values: the counts (likes, collects, comments, reads, followers), which move with every
like and read, and absolute URLs, which follow the host asked for. (They hold no CSRF token,
which is each browser's own: the anonymous controls are links to sign in.) Rendering the
templates is most of such a request's cost, so the page is rendered once with a *hole* in place
of each of those values, kept in the two-level cache (process-local, then Redis; dropped
everywhere by pub/sub) and every request fills the holes with its own values in one pass over
the text.

A hole is ``\\ue000<nonce>:<name>\\ue000``. The nonce is drawn afresh at each render and stored
with the page, so no text an author or commenter writes can forge a hole. Values are HTML-escaped
when the page is filled.

What the cached page was rendered from is its *stamp* (the article's revision and update time,
its author's profile fields). A page whose stamp differs from the request's is rendered again,
so an edit shows at once without a hook; what no stamp covers is dropped by key: the articles
app's live-change hook (publish, withdraw, take down, restore) and the comments app's change
hook (every comment posted or deleted) name these keys. What neither covers (a commenter's new
nickname) shows within the page's TTL.
"""

from __future__ import annotations

import functools
import hashlib
import html as html_text
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from scholarnet.cache import two_level_cache

HOLE = "\ue000"
_NAME = r"([A-Za-z0-9_:.-]+)"
_WEB = Path(__file__).resolve().parent
# What decides a cached page's text and its holes: the templates and the code that renders them.
_RENDERING = ("templates/**/*.html", "views/*.py", "templatetags/*.py", "page_cache.py", "math.py")


@functools.cache
def rendering_fingerprint() -> str:
    """A digest of the web's templates and rendering code, part of every page key: a release that
    changes either (and with it a page's text or holes) never fills a page an older one cached."""
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted({path for pattern in _RENDERING for path in _WEB.glob(pattern)}):
        digest.update(str(path.relative_to(_WEB)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def page_key(name: str) -> str:
    """The cache key of the page ``name`` as this release renders it."""
    return f"web:page:{rendering_fingerprint()}:{name}"


@dataclass(frozen=True)
class Holes:
    """Names holes for one render: ``holes("like_count")`` is the text the template shows."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def __call__(self, name: str) -> str:
        return f"{HOLE}{self.nonce}:{name}{HOLE}"


@dataclass(frozen=True)
class CachedPage:
    """A rendered page as its text between holes: ``parts`` alternates text and hole names."""

    parts: tuple[str, ...]
    stamp: Hashable = None
    # What the render saw that the fill needs again (the article ids whose counts it shows).
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        html: str,
        *,
        holes: Holes,
        stamp: Hashable = None,
        meta: Mapping[str, Any] | None = None,
    ) -> CachedPage:
        """The page ``html`` rendered with ``holes``, split at them once, not per request."""
        pattern = re.compile(re.escape(f"{HOLE}{holes.nonce}:") + _NAME + HOLE)
        return cls(parts=tuple(pattern.split(html)), stamp=stamp, meta=dict(meta or {}))

    def fill(self, values: Mapping[str, object]) -> str:
        """The page with every hole replaced by its (escaped) value.

        A hole without a value is a programming error, raised as such rather than served.
        """
        parts = list(self.parts)
        for index in range(1, len(parts), 2):
            parts[index] = html_text.escape(str(values[parts[index]]))
        return "".join(parts)


def anonymous_page_request(request: HttpRequest) -> bool:
    """Whether a cached page may answer: an anonymous full-page GET without a query string.

    htmx requests get their fragments from the views; a query string (a cursor, a campaign tag)
    goes to the view so the cache holds one copy per page.
    """
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not getattr(request, "htmx", False)
        and not signed_in(request)
    )


def signed_in(request: HttpRequest) -> bool:
    """Whether the request is a signed-in reader's; a page is signed in by its session only.

    Without a session cookie nobody is signed in, and the user is not loaded to learn it.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(request.user.is_authenticated)


def cached_page(
    key: str,
    *,
    stamp: Hashable,
    render: Callable[[Holes], tuple[str, Mapping[str, Any]]],
    ttl: int,
) -> CachedPage:
    """The page under ``key`` rendered from ``stamp``: cached, or rendered now and cached.

    ``render(holes)`` returns the page's HTML and its meta. A cached page of another stamp is
    dropped (everywhere) and rendered again; if a concurrent render of the old stamp wins the
    cache meanwhile, this request renders its own without caching it.
    """

    def load() -> CachedPage:
        holes = Holes()
        html, meta = render(holes)
        return CachedPage.of(html, holes=holes, stamp=stamp, meta=meta)

    page: CachedPage = two_level_cache.get_or_load(key, load, ttl=ttl)
    if page.stamp == stamp:
        return page
    two_level_cache.invalidate(key)
    page = two_level_cache.get_or_load(key, load, ttl=ttl)
    return page if page.stamp == stamp else load()
