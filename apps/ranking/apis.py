"""``GET /api/v1/articles/hot``: the hot list, paged, with counts and the viewer's flags."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ranking import selectors
from apps.ranking.pagination import MAX_PAGE_SIZE, hot_next_link, hot_offset, hot_page_size
from apps.ranking.serializers import HotArticlePageOutputSerializer
from scholarnet.api.errors import InvalidCursor, ServiceUnavailable, ValidationFailed
from scholarnet.api.schema import error_responses


@extend_schema(tags=["articles"])
class HotArticlesView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="articles_hot_list",
        summary="The hot list",
        description="The best-scored public articles of the last days (recomputed every few "
        "minutes), best first. An article withdrawn or taken down since leaves the list at "
        "once.",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`."),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Results per page, 1 to {MAX_PAGE_SIZE}.",
            ),
        ],
        responses={
            200: HotArticlePageOutputSerializer,
            **error_responses(ValidationFailed, InvalidCursor, ServiceUnavailable),
        },
    )
    def get(self, request: Request) -> Response:
        page = selectors.hot_articles_page(
            user=request.user, offset=hot_offset(request), page_size=hot_page_size(request)
        )
        return Response({"results": page.items, "next": hot_next_link(request, page.next_offset)})
