"""Paging the hot list: at most ``RANKING_SIZE`` items, so the cursor is a position in it.

The cursor is opaque (base64 of ``o=<position>``) like the kernel's keyset cursors; one that does
not decode is a 400 ``invalid_cursor``. A recompute between two pages may move articles across
the page boundary; the list is short-lived by nature and that is accepted.
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from scholarnet.api.errors import InvalidCursor, ValidationFailed

MAX_PAGE_SIZE = 100


def hot_page_size(request: Request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return int(settings.RANKING_PAGE_SIZE)
    field = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE)
    try:
        return int(field.run_validation(raw))
    except DRFValidationError as error:
        messages = [str(message) for message in error.detail]  # type: ignore[union-attr]
        raise ValidationFailed(fields={"page_size": messages}) from error


def hot_offset(request: Request) -> int:
    raw = request.query_params.get("cursor")
    if raw is None:
        return 0
    try:
        text = b64decode(raw.encode("ascii"), validate=True).decode("ascii")
        name, _, value = text.partition("=")
        offset = int(value)
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidCursor() from error
    if name != "o" or not 0 < offset < 10 * MAX_PAGE_SIZE:
        raise InvalidCursor()
    return offset


def hot_next_link(request: Request, next_offset: int | None) -> str | None:
    if next_offset is None:
        return None
    cursor = b64encode(f"o={next_offset}".encode("ascii")).decode("ascii")
    return replace_query_param(request.build_absolute_uri(), "cursor", cursor)
