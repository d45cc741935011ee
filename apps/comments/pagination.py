"""Keyset pagination of comments (``{"results", "next"}``)."""

from __future__ import annotations

from scholarnet.api.pagination import CursorPagination


class CommentRootPagination(CursorPagination):
    ordering = "-id"  # newest root first, from the (article_id, root, -id) index


class CommentReplyPagination(CursorPagination):
    ordering = "id"  # a thread reads oldest first, from the (root, id) index
