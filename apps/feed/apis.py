"""The feed API (v1): one thin action over the feed selector."""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.feed import selectors
from apps.feed.serializers import FeedOutputSerializer
from scholarnet.api.errors import InvalidCursor, NotAuthenticated, ValidationFailed
from scholarnet.api.schema import error_responses

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
_CURSOR_PREFIX = "s:"


def cursor_encode(before: int | None) -> str | None:
    if before is None:
        return None
    return urlsafe_b64encode(f"{_CURSOR_PREFIX}{before}".encode()).decode()


def cursor_decode(raw: str | None) -> int | None:
    """The publish_seq a cursor points below; a cursor we did not make is ``InvalidCursor``."""
    if not raw:
        return None
    try:
        text = urlsafe_b64decode(raw.encode()).decode()
        before = int(text.removeprefix(_CURSOR_PREFIX)) if text.startswith(_CURSOR_PREFIX) else -1
    except (binascii.Error, UnicodeError, ValueError):
        before = -1
    if before < 1:
        raise InvalidCursor()
    return before


def _page_size(raw: str | None) -> int:
    if raw is None:
        return PAGE_SIZE
    field = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE)
    try:
        return int(field.run_validation(raw))
    except serializers.ValidationError as error:
        raise ValidationFailed(fields={"page_size": [str(m) for m in error.detail]}) from error


@extend_schema(tags=["feed"])
class FeedViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="feed_list",
        summary="My feed: articles of the people and tags I follow, newest first",
        description="Public articles only, with counts and your flags. Following nobody: "
        "`source` is `default` (the newest public articles, the hot list's top on the first "
        "page). 400 `invalid_cursor`; 400 `invalid` for a bad page_size.",
        parameters=[
            OpenApiParameter("cursor", str, OpenApiParameter.QUERY, required=False),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                OpenApiParameter.QUERY,
                required=False,
                description=f"1 to {MAX_PAGE_SIZE}; {PAGE_SIZE} by default.",
            ),
        ],
        responses={
            200: FeedOutputSerializer,
            **error_responses(InvalidCursor, ValidationFailed, NotAuthenticated),
        },
    )
    def list(self, request: Request) -> Response:
        before = cursor_decode(request.query_params.get("cursor"))
        size = _page_size(request.query_params.get("page_size"))
        page = selectors.feed_page(user=request.user, before=before, size=size)
        return Response(
            {
                "results": page.items,
                "next": cursor_encode(page.next_before),
                "source": page.source,
                "hot": page.hot,
            }
        )
