"""Paging of relevance-ranked results: an opaque cursor that encodes an offset.

Ranked results have no stable keyset to seek on, so search pages by offset, bounded by
``SEARCH_MAX_OFFSET``; the response keeps the list contract ``{"results", "next"}``, with
``next`` the URL of the following page (as the cursor-paginated lists give it).
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from scholarnet.api.errors import InvalidCursor

CURSOR_PARAM = "cursor"
_PREFIX = "o:"


def cursor_encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> int:
    """The offset a cursor stands for; 0 without one; ``InvalidCursor`` for anything else."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor() from error
    digits = text.removeprefix(_PREFIX)
    valid = text.startswith(_PREFIX) and digits.isascii() and digits.isdigit()
    if not valid or len(digits) > 9 or int(digits) > settings.SEARCH_MAX_OFFSET:
        raise InvalidCursor()
    return int(digits)


def next_link(request: Request, next_offset: int | None) -> str | None:
    if next_offset is None:
        return None
    url = request.build_absolute_uri()
    return replace_query_param(url, CURSOR_PARAM, cursor_encode(next_offset))
