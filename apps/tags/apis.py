"""The tags API: GET /api/v1/tags.

GET /api/v1/tags/{name}/articles is an article list and lives in the articles app, on top of
``selectors.tag_ids_for_name``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apps.tags import selectors
from apps.tags.serializers import TagListFilterInputSerializer, TagOutputSerializer
from scholarnet.api.errors import NotAuthenticated, ValidationFailed
from scholarnet.api.pagination import CursorPagination
from scholarnet.api.params import query_params_data
from scholarnet.api.schema import error_responses


@extend_schema(tags=["tags"])
class TagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = (AllowAny,)
    serializer_class = TagOutputSerializer
    pagination_class = CursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        filters = TagListFilterInputSerializer(data=query_params_data(self.request))
        filters.is_valid(raise_exception=True)
        if filters.validated_data["mine"] and not self.request.user.is_authenticated:
            raise NotAuthenticated("Sign in to list your own tags.")
        return selectors.tag_list(
            user=self.request.user,
            query=filters.validated_data["q"],
            mine=filters.validated_data["mine"],
        )

    @extend_schema(
        operation_id="tags_list",
        summary="List tags",
        description=(
            "Official tags, and the caller's own tags when signed in, newest first. "
            "`mine=1` lists only the caller's own; `q` filters by name prefix."
        ),
        parameters=[TagListFilterInputSerializer],
        responses={
            200: TagOutputSerializer(many=True),
            **error_responses(ValidationFailed, NotAuthenticated),
        },
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)
