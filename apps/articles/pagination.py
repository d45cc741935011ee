"""Keyset pagination of article lists (``{"results", "next"}``, see scholarnet.api.pagination).

Both orderings are unique columns, so a cursor is a pure seek with no offset for ties:
public lists on ``publish_seq`` (one increasing number per first publication), the author's
own list on the primary key.
"""

from __future__ import annotations

from typing import Any, Protocol

from rest_framework.pagination import Cursor
from rest_framework.request import Request

from apps.articles.models import PublishedArticle
from scholarnet.api.errors import InvalidCursor
from scholarnet.api.pagination import CursorPagination

_BIGINT_MAX = 2**63 - 1


class KeysetSource(Protocol):
    """A list that pages itself (see ``apps.articles.lists``): rows before a position."""

    def keyset_page(self, *, before: int | None, size: int) -> tuple[list[Any], bool]: ...


class ArticlePublicPagination(CursorPagination):
    """Pages a :class:`KeysetSource` on ``publish_seq`` (or, as DRF does, a queryset).

    The cursors are DRF's, so a cached first page's ``next`` and every other page's agree.
    """

    ordering = "-publish_seq"

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        if not hasattr(queryset, "keyset_page"):
            return super().paginate_queryset(queryset, request, view)
        self.page_size = self.get_page_size(request)
        self._model = PublishedArticle  # what _check_position validates a cursor against
        rows, more = queryset.keyset_page(before=self._seek_position(request), size=self.page_size)
        self._next_position: int | None = rows[-1].publish_seq if more and rows else None
        return rows

    def _seek_position(self, request: Request) -> int | None:
        cursor = self.decode_cursor(request)
        if cursor is None or cursor.position is None:
            return None
        if cursor.reverse or cursor.offset:  # never in a cursor of ours: the column is unique
            raise InvalidCursor()
        position = int(cursor.position)
        if not 0 < position <= _BIGINT_MAX:  # no publish_seq is outside this
            raise InvalidCursor()
        return position

    def get_next_link(self) -> str | None:
        if not hasattr(self, "_next_position"):
            return super().get_next_link()
        if self._next_position is None:
            return None
        return public_first_page_cursor(self._next_position)


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


class ArticleRevisionPagination(CursorPagination):
    """An article's revisions, newest first: ``number`` is unique per article, a pure seek."""

    ordering = "-number"
