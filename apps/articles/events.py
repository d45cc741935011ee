"""Events the articles app publishes: what readers can see of an article changed.

Both carry the article's state after the change; consumers (search, and later feed, ranking,
notifications) re-read what they need and must accept duplicates and replays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class _ArticleVisibilityChanged(EventPayload):
    article_id: int
    author_id: int
    # The working copy's state: "published", "private", "taken_down" or "deleted".
    status: str
    # Why, when it is not the obvious one: "withdrawn", "deleted", "taken_down", "restored".
    reason: str = ""

    def key(self) -> str:
        return f"article:{self.article_id}"


@dataclass(frozen=True, kw_only=True)
class ArticlePublished(_ArticleVisibilityChanged):
    """The article is public now, or its public copy changed (published again, restored)."""

    TYPE: ClassVar[str] = "article.published"


@dataclass(frozen=True, kw_only=True)
class ArticleWithdrawn(_ArticleVisibilityChanged):
    """The article is no longer public: withdrawn, taken down or deleted."""

    TYPE: ClassVar[str] = "article.withdrawn"


@dataclass(frozen=True, kw_only=True)
class ArticleRead(EventPayload):
    """A reader opened the article's detail. Emitted without the outbox (``stream.emit``): a
    crashing process loses its last reads, which is the accepted price of a count.

    ``reader`` is ``u:<user id>`` or ``a:<fingerprint>`` (a keyed hash of IP and user agent,
    never the address); ``author_id`` lets the consumer leave out the author's own reads.
    """

    TYPE: ClassVar[str] = "article.read"
    article_id: int
    # None from the anonymous fast path: an anonymous reader is never taken for the author.
    author_id: int | None
    reader: str

    def key(self) -> str:
        return f"article:{self.article_id}"


ARTICLE_EVENTS: dict[str, type[_ArticleVisibilityChanged]] = {
    ArticlePublished.TYPE: ArticlePublished,
    ArticleWithdrawn.TYPE: ArticleWithdrawn,
}
