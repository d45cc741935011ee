"""Keyset pagination of notifications (``{"results", "next"}``)."""

from __future__ import annotations

from scholarnet.api.pagination import CursorPagination


class NotificationPagination(CursorPagination):
    # Latest activity first: an aggregate that gains a like moves up. Ties on the timestamp
    # are told apart by DRF's offset within the position.
    ordering = ("-updated_at", "-id")  # type: ignore[assignment]
