"""The follows API (v1): thin actions over services and selectors.

Writes are idempotent and answer the state after them; every write is rate limited per user
(scopes ``follow`` and ``tag_follow``, 429 ``rate_limited`` with Retry-After).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.follows import selectors, services
from apps.follows.errors import CannotFollowSelf, FolloweeNotFound, TagNotFound
from apps.follows.pagination import FollowPagination
from apps.follows.rates import FOLLOW, TAG_FOLLOW
from apps.follows.serializers import (
    FollowedTagListOutputSerializer,
    FollowListOutputSerializer,
    TagFollowOutputSerializer,
    UserFollowOutputSerializer,
)
from scholarnet.api.errors import InvalidCursor, NotAuthenticated, RateLimited, ValidationFailed
from scholarnet.api.schema import error_responses
from scholarnet.api.toggles import state_response, toggle_schema
from scholarnet.ratelimit.throttles import RedisRateThrottle

USER_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="User id")
TAG_NAME = OpenApiParameter("name", str, OpenApiParameter.PATH, description="Tag name")
STATE_FIELDS = ("following", "follower_count")


class FollowThrottle(RedisRateThrottle):
    scope = FOLLOW


class TagFollowThrottle(RedisRateThrottle):
    scope = TAG_FOLLOW


@extend_schema(tags=["follows"])
class UserFollowViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (FollowThrottle,)
    WRITE_ERRORS = (NotAuthenticated, CannotFollowSelf, FolloweeNotFound, RateLimited)

    @toggle_schema(
        "users_follow",
        "Follow a user (idempotent)",
        UserFollowOutputSerializer,
        description="Answers the state after it. 400 `cannot_follow_self`; 404 `not_found` for "
        "a missing or deactivated user (nothing changes); 429 `rate_limited`.",
        errors=WRITE_ERRORS,
        parameters=[USER_ID],
    )
    def follow(self, request: Request, pk: str) -> Response:
        state = services.user_follow(follower=request.user, followee_id=int(pk))
        return state_response(state, *STATE_FIELDS)

    @toggle_schema(
        "users_unfollow",
        "Stop following a user (idempotent)",
        UserFollowOutputSerializer,
        description="Answers the state after it. 400 `cannot_follow_self`; 404 `not_found`; "
        "429 `rate_limited`.",
        errors=WRITE_ERRORS,
        parameters=[USER_ID],
    )
    def unfollow(self, request: Request, pk: str) -> Response:
        state = services.user_unfollow(follower=request.user, followee_id=int(pk))
        return state_response(state, *STATE_FIELDS)


@extend_schema(tags=["follows"])
class FollowListViewSet(viewsets.ViewSet):
    permission_classes = (AllowAny,)
    LIST_ERRORS = (InvalidCursor, ValidationFailed, FolloweeNotFound)

    def _page(self, request: Request, rows: object, side: str) -> Response:
        paginator = FollowPagination()
        page = paginator.paginate_queryset(rows, request, view=self)  # type: ignore[arg-type]
        items = selectors.follow_items_represent(page or [], side=side, viewer=request.user)
        return paginator.get_paginated_response(items)

    @extend_schema(
        operation_id="users_followers",
        summary="A user's followers, newest first",
        description="Active users only, each with counts and whether you follow them. "
        "404 `not_found`; 400 `invalid_cursor`.",
        parameters=[USER_ID],
        responses={200: FollowListOutputSerializer, **error_responses(*LIST_ERRORS)},
    )
    def followers(self, request: Request, pk: str) -> Response:
        return self._page(request, selectors.follower_list(user_id=int(pk)), "follower")

    @extend_schema(
        operation_id="users_followees",
        summary="The users a user follows, newest first",
        description="Active users only, each with counts and whether you follow them. "
        "404 `not_found`; 400 `invalid_cursor`.",
        parameters=[USER_ID],
        responses={200: FollowListOutputSerializer, **error_responses(*LIST_ERRORS)},
    )
    def followees(self, request: Request, pk: str) -> Response:
        return self._page(request, selectors.followee_list(user_id=int(pk)), "followee")


@extend_schema(tags=["follows"])
class TagFollowViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (TagFollowThrottle,)

    @toggle_schema(
        "tags_follow",
        "Follow a tag (idempotent)",
        TagFollowOutputSerializer,
        description="Every tag of that name, compared case-insensitively: the feed then pulls "
        "its newest articles. 404 `tag_not_found`; 400 `invalid`; 429 `rate_limited`.",
        errors=(NotAuthenticated, ValidationFailed, TagNotFound, RateLimited),
        parameters=[TAG_NAME],
    )
    def follow(self, request: Request, name: str) -> Response:
        followed = services.tag_follow(user=request.user, name=name)
        return Response({"name": followed.name, "following": True})

    @toggle_schema(
        "tags_unfollow",
        "Stop following a tag (idempotent)",
        TagFollowOutputSerializer,
        description="400 `invalid`; 429 `rate_limited`.",
        errors=(NotAuthenticated, ValidationFailed, RateLimited),
        parameters=[TAG_NAME],
    )
    def unfollow(self, request: Request, name: str) -> Response:
        display = services.tag_unfollow(user=request.user, name=name)
        return Response({"name": display, "following": False})

    @extend_schema(
        operation_id="me_followed_tags",
        summary="The tags I follow, newest first",
        description="400 `invalid_cursor`.",
        responses={
            200: FollowedTagListOutputSerializer,
            **error_responses(InvalidCursor, ValidationFailed, NotAuthenticated),
        },
    )
    def list(self, request: Request) -> Response:
        paginator = FollowPagination()
        rows = paginator.paginate_queryset(
            selectors.tag_follow_list(user=request.user), request, view=self
        )
        items = [{"name": row.name, "followed_at": row.created_at} for row in rows or []]
        return paginator.get_paginated_response(items)
