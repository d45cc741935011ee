"""The typed review threads' API (v1): the reviews list and an article's editors.

Posting a review, rebuttal, question or meta review is ``POST /articles/{id}/comments`` with a
``kind``; these are the reads and the editors' invitations beside it.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.articles.errors import ArticleNotFound
from apps.comments import editors, selectors
from apps.comments.errors import EditorChangeDenied, EditorInvalid
from apps.comments.models import ArticleEditor
from apps.comments.pagination import CommentRootPagination
from apps.comments.serializers import (
    ArticleEditorInputSerializer,
    ArticleEditorListOutputSerializer,
    ArticleEditorOutputSerializer,
    ReviewListOutputSerializer,
)
from scholarnet.api.errors import InvalidCursor, NotAuthenticated, ValidationFailed
from scholarnet.api.schema import error_responses

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Article id")
USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="Editor's user id")


def _editor_body(editor: ArticleEditor) -> dict:
    return {
        "article_id": editor.article_id,
        "user_id": editor.user_id,
        "created_at": editor.created_at,
    }


@extend_schema(tags=["comments"])
class ArticleReviewViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="articles_reviews_list",
        summary="An article's reviews, newest first, each with the author's rebuttals",
        description="404 `not_found` for an article that is not public; 400 `invalid_cursor`.",
        parameters=[ARTICLE_ID],
        responses={
            200: ReviewListOutputSerializer,
            **error_responses(InvalidCursor, ArticleNotFound),
        },
    )
    def list(self, request: Request, pk: str) -> Response:
        selectors.article_comments_visible(article_id=int(pk))
        paginator = CommentRootPagination()
        reviews = paginator.paginate_queryset(
            selectors.review_list(article_id=int(pk)), request, view=self
        )
        return paginator.get_paginated_response(selectors.review_page_represent(reviews or []))


@extend_schema(tags=["comments"])
class ArticleEditorViewSet(viewsets.ViewSet):
    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="articles_editors_list",
        summary="The article's editors (its author only)",
        description="403 `editor_change_denied` for anyone but the author; 404 `not_found`.",
        parameters=[ARTICLE_ID],
        responses={
            200: ArticleEditorListOutputSerializer,
            **error_responses(NotAuthenticated, EditorChangeDenied, ArticleNotFound),
        },
    )
    def list(self, request: Request, pk: str) -> Response:
        rows = editors.article_editor_list(user=request.user, article_id=int(pk))
        return Response({"results": [_editor_body(editor) for editor in rows]})

    @extend_schema(
        operation_id="articles_editors_create",
        summary="Invite a user as an editor (they may post meta reviews)",
        description="Idempotent. 400 `editor_invalid` (unknown user, or the author); 403 "
        "`editor_change_denied` for anyone but the author; 404 `not_found`.",
        parameters=[ARTICLE_ID],
        request=ArticleEditorInputSerializer,
        responses={
            201: ArticleEditorOutputSerializer,
            **error_responses(
                ValidationFailed,
                EditorInvalid,
                NotAuthenticated,
                EditorChangeDenied,
                ArticleNotFound,
            ),
        },
    )
    def create(self, request: Request, pk: str) -> Response:
        serializer = ArticleEditorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        editor = editors.article_editor_add(
            user=request.user, article_id=int(pk), editor_id=serializer.validated_data["user_id"]
        )
        return Response(_editor_body(editor), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="articles_editors_destroy",
        summary="Remove an editor",
        description="Idempotent (204 also when they were not an editor). 403 "
        "`editor_change_denied` for anyone but the author; 404 `not_found`.",
        parameters=[ARTICLE_ID, USER_ID],
        responses={
            204: None,
            **error_responses(NotAuthenticated, EditorChangeDenied, ArticleNotFound),
        },
    )
    def destroy(self, request: Request, pk: str, user_id: str) -> Response:
        editors.article_editor_remove(user=request.user, article_id=int(pk), editor_id=int(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
