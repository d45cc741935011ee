"""Keyset pagination of folders and their entries (``{"results", "next"}``)."""

from __future__ import annotations

from scholarnet.api.pagination import CursorPagination


class CollectionPagination(CursorPagination):
    ordering = "id"  # the default folder first: it is always created before the others


class CollectionItemPagination(CursorPagination):
    ordering = "-id"  # newest entry first, from the (collection, -id) index
