"""The comments API (v1): thin actions over services and selectors.

Posting is rate limited per user (scope ``comment``, 429 ``rate_limited`` with Retry-After).
"""

from __future__ import annotations

import time
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.articles.errors import ArticleNotFound
from apps.comments import selectors, services
from apps.comments.errors import (
    CommentDeleteDenied,
    CommentLinksNotAllowed,
    CommentNotFound,
    InvalidParent,
    MetaReviewDenied,
    RebuttalDenied,
    RebuttalParentNotReview,
    ReviewFieldsInvalid,
    ReviewNotRoot,
    ReviewOwnArticle,
)
from apps.comments.pagination import CommentReplyPagination, CommentRootPagination
from apps.comments.rates import COMMENT
from apps.comments.serializers import (
    CommentCreateInputSerializer,
    CommentOutputSerializer,
    CommentReplyListOutputSerializer,
    CommentRootListOutputSerializer,
)
from scholarnet.api.errors import InvalidCursor, NotAuthenticated, RateLimited, ValidationFailed
from scholarnet.api.schema import error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Article id")
COMMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Comment id")


class CommentThrottle(RedisRateThrottle):
    scope = COMMENT


@extend_schema(tags=["comments"])
class ArticleCommentViewSet(viewsets.ViewSet):
    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.action == "list" else [IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        return [CommentThrottle()] if self.action == "create" else []

    @extend_schema(
        operation_id="articles_comments_list",
        summary="Root comments newest first, each with its newest replies",
        description="404 `not_found` for an article that is not public; 400 `invalid_cursor`. "
        "`replies_included` is false while the degrade switch is on.",
        parameters=[ARTICLE_ID],
        responses={
            200: CommentRootListOutputSerializer,
            **error_responses(InvalidCursor, ArticleNotFound),
        },
    )
    def list(self, request: Request, pk: str) -> Response:
        selectors.article_comments_visible(article_id=int(pk))
        with_replies = not selectors.slow_database.degraded()
        paginator = CommentRootPagination()
        started = time.monotonic()
        roots = paginator.paginate_queryset(
            selectors.comment_root_list(article_id=int(pk)), request, view=self
        )
        selectors.slow_database.observe(time.monotonic() - started)
        page = selectors.comment_page_represent(roots or [], with_replies=with_replies)
        response = paginator.get_paginated_response(page)
        response.data["replies_included"] = with_replies
        return response

    @extend_schema(
        operation_id="articles_comments_create",
        summary="Comment on a public article, or reply to one of its comments",
        description="Content: 1 to 10,000 characters of Markdown with math. 400 `invalid`, "
        "400 `invalid_parent` (a parent on another article, or deleted); 400 "
        "`comment_links_not_allowed` (links from an account below trust level 1); 404 "
        "`not_found`; 429 `rate_limited` (tighter for accounts below trust level 1). "
        "`kind`: `comment` (default), `question`, `review` (a root with `rating` 1-10 and "
        "`confidence` 1-5, not by the article's author), `rebuttal` (the article's author, "
        "replying to a review), `meta_review` (a root, by moderators or the article's editors). "
        "400 `review_fields_invalid`, `review_not_root`, `rebuttal_parent_not_review`; 403 "
        "`review_own_article`, `rebuttal_denied`, `meta_review_denied`.",
        parameters=[ARTICLE_ID],
        request=CommentCreateInputSerializer,
        responses={
            201: CommentOutputSerializer,
            **error_responses(
                ValidationFailed,
                InvalidParent,
                CommentLinksNotAllowed,
                ReviewFieldsInvalid,
                ReviewNotRoot,
                RebuttalParentNotReview,
                NotAuthenticated,
                ReviewOwnArticle,
                RebuttalDenied,
                MetaReviewDenied,
                ArticleNotFound,
                RateLimited,
            ),
        },
    )
    def create(self, request: Request, pk: str) -> Response:
        serializer = CommentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(
            user=request.user, article_id=int(pk), **serializer.validated_data
        )
        [body] = selectors.comments_represent([comment])
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["comments"])
class CommentViewSet(viewsets.ViewSet):
    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.action == "replies" else [IsAuthenticated()]

    @extend_schema(
        operation_id="comments_replies",
        summary="A root comment's replies, oldest first",
        description="404 `comment_not_found` (also for a reply's id, or an article that is not "
        "public); 400 `invalid_cursor`.",
        parameters=[COMMENT_ID],
        responses={
            200: CommentReplyListOutputSerializer,
            **error_responses(InvalidCursor, CommentNotFound),
        },
    )
    def replies(self, request: Request, pk: str) -> Response:
        paginator = CommentReplyPagination()
        rows = paginator.paginate_queryset(
            selectors.comment_reply_list(comment_id=int(pk)), request, view=self
        )
        return paginator.get_paginated_response(selectors.comments_represent(rows or []))

    @extend_schema(
        operation_id="comments_destroy",
        summary="Delete a comment and its replies",
        description="For the comment's author, the article's author and moderators. 403 "
        "`comment_delete_denied` for anyone else; 404 `comment_not_found`.",
        parameters=[COMMENT_ID],
        responses={
            204: None,
            **error_responses(NotAuthenticated, CommentDeleteDenied, CommentNotFound),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.comment_delete(user=request.user, comment_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
