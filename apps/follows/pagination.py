"""Keyset pagination of the follow lists (``{"results", "next"}``), newest follow first."""

from __future__ import annotations

from scholarnet.api.pagination import CursorPagination


class FollowPagination(CursorPagination):
    ordering = "-id"  # from the (followee, -id) / (follower, -id) / (user, -id) indexes
