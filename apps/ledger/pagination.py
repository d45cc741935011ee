"""Keyset pagination of a wallet's entries, newest first, on the (account, -id) index."""

from __future__ import annotations

from scholarnet.api.pagination import CursorPagination


class EntryPagination(CursorPagination):
    ordering = "-id"
