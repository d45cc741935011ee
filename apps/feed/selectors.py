"""Reads of the personal feed: the inbox merged with what is pulled, one page at a time.

A page's candidates, newest first by ``publish_seq``, come from the reader's inbox (pushed
authors; rebuilt from the database when missing), the newest articles of the followed authors
above the push threshold, and each followed tag's newest. Candidates are then checked against
the live store in one query of a few columns per round: only public articles, and an inbox
item only while its author is still followed. A warm page costs that query, one Redis round
trip for the inbox, and the counts and flags of the page in bulk: what the reader follows comes
from the follows app's two-level cache, the followees' follower counts (pushed or pulled?)
from this process's short-lived copy, and the cards (title, tags, author) from
:mod:`apps.feed.cards`. A reader who follows nobody gets the default: the newest public
articles, with the hot list's top on the first page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from apps.articles.selectors import (
    article_items_decorate,
    article_list_items,
    article_public_list,
)
from apps.feed import inbox
from apps.feed.cards import LiveRow, card_tier, live_public_rows
from apps.feed.services import feed_inbox_rebuild, feed_pushed_authors
from apps.feed.sources import authors_newest, tag_newest
from apps.follows.selectors import following_get
from apps.ranking.selectors import hot_articles_page

SOURCE_FOLLOWING, SOURCE_DEFAULT = "following", "default"
_MAX_ROUNDS = 4  # a page whose candidates keep going private stops here, with a cursor


@dataclass
class FeedPage:
    items: list[dict[str, Any]]
    next_before: int | None
    source: str
    hot: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Sources:
    pushed: set[int]  # followed authors whose articles are in the inbox
    pulled: list[int]  # followed authors above the threshold
    tags: list[str]


def _sources(user_id: int) -> _Sources | None:
    followees, tags = following_get(user_id=user_id)
    if not followees and not tags:
        return None
    pushed = set(feed_pushed_authors(author_ids=followees, recent=True))
    return _Sources(pushed=pushed, pulled=[a for a in followees if a not in pushed], tags=tags)


def _inbox_candidates(user: Any, *, before: int | None, limit: int) -> list[tuple[int, int]]:
    found = inbox.inbox_range(user_id=user.pk, before=before, limit=limit)
    if found is not None:
        return found
    entries = feed_inbox_rebuild(user=user)
    return [entry for entry in entries if before is None or entry[1] < before][:limit]


def _candidates(
    user: Any, sources: _Sources, *, before: int | None, limit: int
) -> tuple[list[tuple[int, int]], set[int]]:
    """Merged candidates (newest first, at most ``limit``) and which of them came by tag."""
    merged = dict(_inbox_candidates(user, before=before, limit=limit))
    merged.update(authors_newest(author_ids=sources.pulled, before=before, limit=limit))
    by_tag: set[int] = set()
    for name in sources.tags:
        pairs = tag_newest(name=name, before=before, limit=limit)
        by_tag.update(article_id for article_id, _ in pairs)
        merged.update(pairs)
    return sorted(merged.items(), key=lambda pair: -pair[1])[:limit], by_tag


def feed_page(*, user: Any, before: int | None, size: int) -> FeedPage:
    """One page of the reader's feed below ``before`` (a publish_seq), newest first."""
    sources = _sources(user.pk)
    if sources is None:
        return _default_page(user=user, before=before, size=size)
    followed = sources.pushed | set(sources.pulled)
    rows: list[LiveRow] = []
    more = False
    for _round in range(_MAX_ROUNDS):
        candidates, by_tag = _candidates(user, sources, before=before, limit=size + 1)
        ids = [article_id for article_id, _seq in candidates]
        public = live_public_rows(ids)
        rows += [
            public[article_id]
            for article_id in ids
            if article_id in public
            and (article_id in by_tag or public[article_id].author_id in followed)
        ]
        more = len(candidates) > size
        if len(rows) > size or not more:
            break
        before = candidates[-1][1]  # every candidate down to here was looked at
    page = rows[:size]
    if len(rows) > size:
        next_before: int | None = page[-1].publish_seq
    else:
        next_before = before if more else None
    items = article_items_decorate(card_tier.cards(page), user=user)
    return FeedPage(items, next_before, SOURCE_FOLLOWING)


def _default_page(*, user: Any, before: int | None, size: int) -> FeedPage:
    rows, more = article_public_list().keyset_page(before=before, size=size)
    hot = []
    if before is None:
        hot = hot_articles_page(user=user, offset=0, page_size=settings.FEED_DEFAULT_HOT_SIZE).items
    next_before = rows[-1].publish_seq if more and rows else None
    return FeedPage(article_list_items(rows, user=user), next_before, SOURCE_DEFAULT, hot)
