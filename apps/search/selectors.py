"""Reads of the search index for the API: only public content is ever returned.

The index holds public documents only (the syncs see to that), and article and user hits are
checked against the database once more, in one query per page, so an article made private or an
account closed is never shown even while its removal from the index is still on its way.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from apps.articles.providers import ViewerFlags, counts_get, flags_get
from apps.search import sources
from apps.search.analysis import terms
from apps.search.backends import Hit, get_backend
from apps.search.errors import QueryEmpty, QueryTooLong

logger = logging.getLogger(__name__)

SEARCH_TYPES = ("article", "user", "tag")


@dataclass(frozen=True, slots=True)
class SearchResults:
    results: list[dict[str, Any]]
    next_offset: int | None


def search_query_check(query: str) -> str:
    """The query stripped, or ``QueryEmpty`` / ``QueryTooLong``."""
    query = query.strip()
    if not query:
        raise QueryEmpty()
    if len(query) > settings.SEARCH_QUERY_MAX_LENGTH:
        raise QueryTooLong(max_length=settings.SEARCH_QUERY_MAX_LENGTH)
    return query


def search_results_list(
    *,
    doc_type: str,
    query: str,
    tag: str | None = None,
    author_id: int | None = None,
    viewer_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchResults:
    """One page of ``doc_type`` results for ``query``, as the API renders them.

    ``viewer_id`` (the signed-in user) also finds that user's own tags; everyone finds the
    official ones.
    """
    query = search_query_check(query)
    if not terms(query):  # only punctuation: nothing can match
        return SearchResults(results=[], next_offset=None)
    filters = _filters(doc_type, tag=tag, author_id=author_id, viewer_id=viewer_id)
    page = get_backend().search(doc_type, query, filters=filters, offset=offset, limit=limit)
    hits = _visible(doc_type, page.hits)
    results = [row for hit in hits if (row := RENDERERS[doc_type](hit)) is not None]
    if doc_type == "article":
        _add_engagement(results, viewer_id=viewer_id)
    end = offset + limit
    more = end < page.total and end <= settings.SEARCH_MAX_OFFSET
    return SearchResults(results=results, next_offset=end if more else None)


def _filters(
    doc_type: str, *, tag: str | None, author_id: int | None, viewer_id: int | None
) -> dict[str, object]:
    filters: dict[str, object] = {}
    if tag is not None:
        filters["tags"] = tag
    if author_id is not None:
        filters["author_id"] = author_id
    if doc_type == "tag":
        filters["audience"] = ["public", *([f"user:{viewer_id}"] if viewer_id else [])]
    return filters


# The hits of these types are checked against the database once per page: an article made
# private or an account closed is never shown while its removal from the index is on its way.
_STILL_PUBLIC = {"article": sources.article_public_ids, "user": sources.user_active_ids}


def _visible(doc_type: str, hits: list[Hit]) -> list[Hit]:
    check = _STILL_PUBLIC.get(doc_type)
    if check is None or not hits:
        return hits
    ids = [doc_id for hit in hits if (doc_id := _id(hit)) is not None]
    public = check(ids)
    return [hit for hit in hits if _id(hit) in public]


def _id(hit: Hit) -> int | None:
    doc_id = hit.doc_id
    return int(doc_id) if doc_id.isascii() and doc_id.isdigit() and len(doc_id) < 19 else None


def _article(hit: Hit) -> dict[str, Any]:
    fields = hit.fields  # only ids that passed _visible, so numeric
    published_at = fields.get("published_at")
    return {
        "id": int(hit.doc_id),
        "title": fields.get("title") or "",
        "abstract": fields.get("abstract") or "",
        "author": {"id": fields.get("author_id"), "nickname": fields.get("author_nickname") or ""},
        "tags": list(fields.get("tags") or []),
        "published_at": parse_datetime(published_at) if isinstance(published_at, str) else None,
        "highlights": hit.highlights,
    }


def _add_engagement(rows: list[dict[str, Any]], *, viewer_id: int | None) -> None:
    """Counts and the viewer's flags, as every article list carries them (two bulk reads)."""
    ids = [row["id"] for row in rows]
    counts = counts_get(article_ids=ids)
    flags = flags_get(user_id=viewer_id, article_ids=ids) if viewer_id is not None else {}
    for row in rows:
        row.update(asdict(counts[row["id"]]), **asdict(flags.get(row["id"], ViewerFlags())))


def _user(hit: Hit) -> dict[str, Any] | None:
    if (user_id := _id(hit)) is None:
        return None
    fields = hit.fields
    return {
        "id": user_id,
        "nickname": fields.get("nickname") or "",
        "avatar_url": fields.get("avatar_url") or "",
        "about": fields.get("about") or "",
        "highlights": hit.highlights,
    }


def _tag(hit: Hit) -> dict[str, Any] | None:
    if (tag_id := _id(hit)) is None:
        logger.warning("tag document with a non-numeric id %r", hit.doc_id)
        return None
    fields = hit.fields
    return {
        "id": tag_id,
        "name": fields.get("name") or "",
        "official": bool(fields.get("official")),
        "highlights": hit.highlights,
    }


RENDERERS = {"article": _article, "user": _user, "tag": _tag}
