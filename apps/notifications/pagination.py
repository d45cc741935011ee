"""Keyset pagination of notifications (``{"results", "next"}``), latest activity first.

The order is ``(updated_at, id)`` descending: an aggregate that gains a like moves up. The
cursor is the last row's pair, and the next page is every row strictly below it, so rows that
share a timestamp are told apart by id. DRF's cursor keeps only the first column and an offset
among equal values instead: when rows of that run left the list between two pages (read under
``?unread=1``), the offset skipped as many rows that were never shown. Here nothing below the
cursor is skipped, and a row that moves up after it was shown is above it, not shown again.
"""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.request import Request

from scholarnet.api.errors import InvalidCursor, ValidationFailed

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
_SEPARATOR = "|"


def cursor_encode(updated_at: datetime, row_id: int) -> str:
    return urlsafe_b64encode(f"{updated_at.isoformat()}{_SEPARATOR}{row_id}".encode()).decode()


def cursor_decode(raw: str) -> tuple[datetime, int]:
    """The ``(updated_at, id)`` a cursor points below; anything we did not make is 400."""
    try:
        text = urlsafe_b64decode(raw.encode()).decode()
        stamp, _, row_id = text.partition(_SEPARATOR)
        position = datetime.fromisoformat(stamp), int(row_id)
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidCursor() from error
    if position[0].tzinfo is None or not 0 < position[1] < 2**63:
        raise InvalidCursor()
    return position


def page_size_parse(raw: str | None) -> int:
    if raw is None:
        return PAGE_SIZE
    field = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE)
    try:
        return int(field.run_validation(raw))
    except serializers.ValidationError as error:
        raise ValidationFailed(fields={"page_size": [str(m) for m in error.detail]}) from error


def notification_page(rows: QuerySet[Any], *, request: Request) -> tuple[list[Any], str | None]:
    """One page of ``rows`` below the request's cursor, and the next page's cursor."""
    size = page_size_parse(request.query_params.get("page_size"))
    raw = request.query_params.get("cursor")
    if raw:
        updated_at, row_id = cursor_decode(raw)
        rows = rows.filter(Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=row_id))
    found = list(rows.order_by("-updated_at", "-id")[: size + 1])
    page = found[:size]
    more = len(found) > size
    return page, cursor_encode(page[-1].updated_at, page[-1].pk) if more else None
