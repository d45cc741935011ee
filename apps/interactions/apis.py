"""The likes and collections API (v1): thin actions over services and selectors.

Writes are idempotent and answer the state after them; every write is rate limited per user
(scopes ``like`` and ``collect``, 429 ``rate_limited`` with Retry-After).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.articles.errors import ArticleNotFound
from apps.interactions import selectors, services
from apps.interactions.errors import (
    CollectionItemNotFound,
    CollectionNameTaken,
    CollectionNotFound,
    DefaultCollectionUndeletable,
)
from apps.interactions.pagination import CollectionItemPagination, CollectionPagination
from apps.interactions.rates import COLLECT, LIKE
from apps.interactions.serializers import (
    ArticleCollectInputSerializer,
    ArticleCollectOutputSerializer,
    ArticleLikeOutputSerializer,
    CollectionInputSerializer,
    CollectionItemListOutputSerializer,
    CollectionItemMoveInputSerializer,
    CollectionListOutputSerializer,
    CollectionOutputSerializer,
    CollectionUpdateInputSerializer,
    collection_represent,
)
from scholarnet.api.errors import (
    InvalidCursor,
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from scholarnet.api.schema import error_responses
from scholarnet.api.toggles import state_response, toggle_schema
from scholarnet.ratelimit.throttles import RedisRateThrottle

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Article id")
COLLECTION_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Folder id")
NOT_PUBLIC = "404 `not_found` for an article that is not public (nothing changes)."


class LikeThrottle(RedisRateThrottle):
    scope = LIKE


class CollectThrottle(RedisRateThrottle):
    scope = COLLECT


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


LIKE_ERRORS = (NotAuthenticated, ArticleNotFound, RateLimited)
COLLECT_ERRORS = (
    ValidationFailed,
    NotAuthenticated,
    ArticleNotFound,
    CollectionNotFound,
    RateLimited,
)
COLLECT_STATE = ("collected", "collect_count", "collection_ids")


@extend_schema(tags=["interactions"])
class ArticleLikeViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (LikeThrottle,)

    @toggle_schema(
        "articles_like",
        "Like an article (idempotent)",
        ArticleLikeOutputSerializer,
        description=f"Answers the state after it. {NOT_PUBLIC} 429 `rate_limited`.",
        parameters=[ARTICLE_ID],
        errors=LIKE_ERRORS,
    )
    def like(self, request: Request, pk: str) -> Response:
        state = services.article_like(user=request.user, article_id=int(pk))
        return state_response(state, "liked", "like_count")

    @toggle_schema(
        "articles_unlike",
        "Take a like back (idempotent)",
        ArticleLikeOutputSerializer,
        description=f"Answers the state after it. {NOT_PUBLIC} 429 `rate_limited`.",
        parameters=[ARTICLE_ID],
        errors=LIKE_ERRORS,
    )
    def unlike(self, request: Request, pk: str) -> Response:
        state = services.article_unlike(user=request.user, article_id=int(pk))
        return state_response(state, "liked", "like_count")


@extend_schema(tags=["interactions"])
class ArticleCollectViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (CollectThrottle,)

    @toggle_schema(
        "articles_collect",
        "Put an article in one of your folders (idempotent)",
        ArticleCollectOutputSerializer,
        description=f"Without collection_id: the default folder. {NOT_PUBLIC} 404 "
        "`collection_not_found` for a folder that is not yours; 400 `invalid`; 429 `rate_limited`.",
        parameters=[ARTICLE_ID],
        request=ArticleCollectInputSerializer,
        errors=COLLECT_ERRORS,
    )
    def collect(self, request: Request, pk: str) -> Response:
        data = _validated(ArticleCollectInputSerializer, request.data)
        state = services.article_collect(user=request.user, article_id=int(pk), **data)
        return state_response(state, *COLLECT_STATE)

    @toggle_schema(
        "articles_uncollect",
        "Take an article out of a folder, or of all of them (idempotent)",
        ArticleCollectOutputSerializer,
        description="collection_id in the body or the query string; without it, every folder. "
        f"{NOT_PUBLIC} 404 `collection_not_found`; 400 `invalid`; 429 `rate_limited`.",
        parameters=[ARTICLE_ID, ArticleCollectInputSerializer],
        request=ArticleCollectInputSerializer,
        errors=COLLECT_ERRORS,
    )
    def uncollect(self, request: Request, pk: str) -> Response:
        data = _validated(ArticleCollectInputSerializer, request.data or request.query_params)
        state = services.article_uncollect(user=request.user, article_id=int(pk), **data)
        return state_response(state, *COLLECT_STATE)


@extend_schema(tags=["interactions"])
class CollectionViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    lookup_value_regex = r"[0-9]{1,18}"

    def get_throttles(self) -> list[Any]:
        # Moving an article is a collection write, limited as collects are.
        extra = [CollectThrottle()] if self.action == "move" else []
        return [*super().get_throttles(), *extra]

    @extend_schema(
        operation_id="me_collections_list",
        summary="My folders, the default one first",
        description="The default folder is created on first use. 400 `invalid_cursor`.",
        responses={
            200: CollectionListOutputSerializer,
            **error_responses(InvalidCursor, NotAuthenticated),
        },
    )
    def list(self, request: Request) -> Response:
        services.collection_default_get_or_create(user=request.user)
        paginator = CollectionPagination()
        rows = paginator.paginate_queryset(
            selectors.collection_list(user=request.user), request, view=self
        )
        return paginator.get_paginated_response([collection_represent(row) for row in rows or []])

    @extend_schema(
        operation_id="me_collections_create",
        summary="Create a folder",
        description="409 `collection_name_taken`; 400 `invalid`.",
        request=CollectionInputSerializer,
        responses={
            201: CollectionOutputSerializer,
            **error_responses(ValidationFailed, NotAuthenticated, CollectionNameTaken),
        },
    )
    def create(self, request: Request) -> Response:
        data = _validated(CollectionInputSerializer, request.data)
        folder = services.collection_create(user=request.user, name=data["name"])
        return Response(collection_represent(folder, item_count=0), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="me_collections_rename",
        summary="Rename a folder",
        description="Fields left out stay as they are (an empty body changes nothing). "
        "404 `collection_not_found`; 409 `collection_name_taken`; 400 `invalid`.",
        parameters=[COLLECTION_ID],
        request=CollectionUpdateInputSerializer,
        responses={
            200: CollectionOutputSerializer,
            **error_responses(
                ValidationFailed, NotAuthenticated, CollectionNotFound, CollectionNameTaken
            ),
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = _validated(CollectionUpdateInputSerializer, request.data)
        folder = services.collection_update(user=request.user, collection_id=int(pk), **data)
        count = selectors.collection_item_count(collection=folder)
        return Response(collection_represent(folder, item_count=count))

    @extend_schema(
        operation_id="me_collections_destroy",
        summary="Delete a folder and its entries",
        description="Articles left in none of your folders stop counting you as a collector. "
        "404 `collection_not_found`; 409 `collection_default_undeletable`.",
        parameters=[COLLECTION_ID],
        responses={
            204: None,
            **error_responses(NotAuthenticated, CollectionNotFound, DefaultCollectionUndeletable),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.collection_delete(user=request.user, collection_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="me_collections_items",
        summary="A folder's articles, newest entry first",
        description="Only articles that are public now (they come back when republished), with "
        "counts and your flags. 404 `collection_not_found`; 400 `invalid_cursor`; 503 "
        "`service_unavailable` while Redis is down and the counters' fallback is saturated.",
        parameters=[COLLECTION_ID],
        responses={
            200: CollectionItemListOutputSerializer,
            **error_responses(
                InvalidCursor, NotAuthenticated, CollectionNotFound, ServiceUnavailable
            ),
        },
    )
    def items(self, request: Request, pk: str) -> Response:
        folder = selectors.collection_get_for_user(user=request.user, collection_id=int(pk))
        paginator = CollectionItemPagination()
        rows = paginator.paginate_queryset(
            selectors.collection_item_list(collection=folder), request, view=self
        )
        items = selectors.collection_items_represent(rows or [], user=request.user)
        return paginator.get_paginated_response(items)

    @extend_schema(
        operation_id="me_collections_move",
        summary="Move an article from this folder to another of yours",
        description="One transaction: you collect the article before and after, so its "
        "collect_count does not move; already in the other folder too, this folder's entry goes. "
        "Answers the state after it. 404 `collection_not_found` for a folder that is not yours; "
        "404 `collection_item_not_found` when this folder does not hold the article; "
        f"{NOT_PUBLIC} 400 `invalid`; 429 `rate_limited`.",
        parameters=[COLLECTION_ID],
        request=CollectionItemMoveInputSerializer,
        responses={
            200: ArticleCollectOutputSerializer,
            **error_responses(
                ValidationFailed,
                NotAuthenticated,
                ArticleNotFound,
                CollectionNotFound,
                CollectionItemNotFound,
                RateLimited,
            ),
        },
    )
    def move(self, request: Request, pk: str) -> Response:
        data = _validated(CollectionItemMoveInputSerializer, request.data)
        state = services.collection_item_move(
            user=request.user,
            article_id=data["article_id"],
            from_collection_id=int(pk),
            to_collection_id=data["to_collection_id"],
        )
        return state_response(state, *COLLECT_STATE)
