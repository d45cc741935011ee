"""The search API: ``GET /api/v1/search?q=&type=article|user|tag``."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apps.search.backends.base import SearchUnavailable
from apps.search.errors import QueryEmpty, QueryTooLong
from apps.search.pagination import cursor_decode, next_link
from apps.search.rates import SEARCH
from apps.search.selectors import search_results_list
from apps.search.serializers import (
    OUTPUT_SERIALIZERS,
    SearchQueryInputSerializer,
    SearchResultsOutputSerializer,
)
from scholarnet.api.errors import InvalidCursor, ValidationFailed
from scholarnet.api.params import query_params_data
from scholarnet.api.schema import AutoSchema, error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle


class SearchThrottle(RedisRateThrottle):
    scope = SEARCH


class SearchSchema(AutoSchema):
    def _is_list_view(self, serializer: object = None) -> bool:
        # The list action answers one object, {"results", "next"}, not a bare array.
        return False


@extend_schema(tags=["search"])
class SearchViewSet(viewsets.ViewSet):
    permission_classes = (AllowAny,)
    throttle_classes = (SearchThrottle,)
    schema = SearchSchema()

    @extend_schema(
        operation_id="search",
        summary="Full-text search of public articles, users or tags",
        description=(
            "Every word of `q` must match. Results are ranked by relevance and carry "
            "`highlights`. Errors: 400 `query_empty` (no q), 400 `query_too_long` "
            "(longer than extra.max_length), 400 `invalid` (bad type, filter or page size), "
            "400 `invalid_cursor`, 503 `search_unavailable`."
        ),
        parameters=[SearchQueryInputSerializer],
        responses={
            200: SearchResultsOutputSerializer,
            **error_responses(
                ValidationFailed, QueryEmpty, QueryTooLong, InvalidCursor, SearchUnavailable
            ),
        },
    )
    def list(self, request: Request) -> Response:
        params = SearchQueryInputSerializer(data=query_params_data(request))
        params.is_valid(raise_exception=True)
        data = params.validated_data
        found = search_results_list(
            doc_type=data["type"],
            query=data["q"],
            tag=data.get("tag"),
            author_id=data.get("author"),
            viewer_id=request.user.pk if request.user.is_authenticated else None,
            offset=cursor_decode(data.get("cursor")),
            limit=data.get("page_size") or settings.SEARCH_PAGE_SIZE,
        )
        results = OUTPUT_SERIALIZERS[data["type"]](found.results, many=True).data
        return Response({"results": results, "next": next_link(request, found.next_offset)})
