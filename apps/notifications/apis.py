"""The notifications API (v1): thin actions over services and selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.notifications import digest, selectors, services
from apps.notifications.pagination import MAX_PAGE_SIZE, PAGE_SIZE, notification_page
from apps.notifications.serializers import (
    NotificationListOutputSerializer,
    NotificationListQuerySerializer,
    NotificationReadInputSerializer,
    NotificationReadOutputSerializer,
    NotificationUnreadCountOutputSerializer,
    UnsubscribeOutputSerializer,
    UnsubscribeQuerySerializer,
)
from scholarnet.api.errors import InvalidCursor, NotAuthenticated, ValidationFailed
from scholarnet.api.params import query_params_data
from scholarnet.api.schema import error_responses


@extend_schema(tags=["notifications"])
class NotificationViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="notifications_list",
        summary="My notifications, latest activity first",
        description="Likes, collects and follows of one target are aggregated while unread. "
        "Ordered by `(updated_at, id)`, paged on that pair. 400 `invalid` (a bad kind or "
        "page_size), 400 `invalid_cursor`.",
        parameters=[
            NotificationListQuerySerializer,
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
            200: NotificationListOutputSerializer,
            **error_responses(ValidationFailed, InvalidCursor, NotAuthenticated),
        },
    )
    def list(self, request: Request) -> Response:
        query = NotificationListQuerySerializer(data=query_params_data(request))
        query.is_valid(raise_exception=True)
        rows = selectors.notification_list(user=request.user, **query.validated_data)
        page, next_cursor = notification_page(rows, request=request)
        return Response({"results": selectors.notifications_represent(page), "next": next_cursor})

    @extend_schema(
        operation_id="notifications_unread_count",
        summary="My unread notifications per kind (served from Redis; cheap to poll)",
        responses={
            200: NotificationUnreadCountOutputSerializer,
            **error_responses(NotAuthenticated),
        },
    )
    def unread_count(self, request: Request) -> Response:
        return Response(selectors.notification_unread_counts(user=request.user))

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark notifications read: {ids} or {all: true}",
        description="Ids that are not yours are ignored. 400 `invalid`.",
        request=NotificationReadInputSerializer,
        responses={
            200: NotificationReadOutputSerializer,
            **error_responses(ValidationFailed, NotAuthenticated),
        },
    )
    def read(self, request: Request) -> Response:
        serializer = NotificationReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = None if serializer.validated_data["all"] else serializer.validated_data["ids"]
        return Response({"updated": services.notifications_read(user=request.user, ids=ids)})


@extend_schema(tags=["notifications"])
class DigestUnsubscribeViewSet(viewsets.ViewSet):
    permission_classes = (AllowAny,)  # the email's link works without signing in
    authentication_classes = ()

    @extend_schema(
        operation_id="notifications_unsubscribe",
        summary="Turn the daily email digest off (the signed link in every digest)",
        description="400 `invalid_token` for a token that does not verify.",
        parameters=[UnsubscribeQuerySerializer],
        responses={
            200: UnsubscribeOutputSerializer,
            **error_responses(ValidationFailed, digest.InvalidUnsubscribeToken),
        },
    )
    def unsubscribe(self, request: Request) -> Response:
        query = UnsubscribeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        digest.digest_unsubscribe(token=query.validated_data["token"])
        return Response({"email_digest": False})
