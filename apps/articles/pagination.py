"""Keyset pagination of article lists (``{"results", "next"}``, see scholarnet.api.pagination).

Both orderings are unique columns, so a cursor is a pure seek with no offset for ties:
public lists on ``publish_seq`` (one increasing number per first publication), the author's
own list on the primary key.
"""

from __future__ import annotations

from rest_framework.pagination import Cursor

from scholarnet.api.pagination import CursorPagination


class ArticlePublicPagination(CursorPagination):
    ordering = "-publish_seq"


class ArticleAuthorPagination(CursorPagination):
    ordering = "-id"


def author_first_page_cursor(last_id: int) -> str:
    """The ``next`` cursor after a first page ending with ``last_id``, as the paginator makes it.

    The cached first page of ``GET /me/articles`` is built without a request; its cursor must
    be the very token the paginator would have answered, so the second page follows on.
    """
    return ArticleAuthorPagination().encode_cursor(
        Cursor(offset=0, reverse=False, position=last_id)
    )


def public_first_page_cursor(last_publish_seq: int) -> str:
    """The ``next`` cursor after the public list's first page, as its paginator makes it."""
    return ArticlePublicPagination().encode_cursor(
        Cursor(offset=0, reverse=False, position=last_publish_seq)
    )
