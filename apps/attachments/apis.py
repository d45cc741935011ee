"""The attachments API (v1): thin actions over services and selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.articles.errors import ArticleNotFound
from apps.attachments import selectors, services
from apps.attachments.disposition import content_disposition
from apps.attachments.errors import (
    AttachmentDenied,
    AttachmentLimitReached,
    AttachmentMissing,
    AttachmentNotFound,
    AttachmentTooLarge,
    UnsupportedMediaType,
)
from apps.attachments.serializers import (
    AttachmentCreateInputSerializer,
    AttachmentListOutputSerializer,
    AttachmentOutputSerializer,
)
from scholarnet.api.errors import NotAuthenticated
from scholarnet.api.schema import error_responses

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Article id")
ATTACHMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Attachment id")
# Room for the multipart envelope around a file of the largest size.
MULTIPART_OVERHEAD = 64 * 1024


def _body_too_large(request: Request) -> bool:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    return length > int(settings.ATTACHMENTS_MAX_BYTES) + MULTIPART_OVERHEAD


@extend_schema(tags=["attachments"])
class ArticleAttachmentViewSet(viewsets.ViewSet):
    parser_classes = [MultiPartParser]

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.action == "list" else [IsAuthenticated()]

    @extend_schema(
        operation_id="articles_attachments_list",
        summary="The article's PDF attachments, oldest first",
        description="As visible as the article: 404 `not_found` for a private, draft or "
        "withdrawn article to anyone but its author.",
        parameters=[ARTICLE_ID],
        responses={200: AttachmentListOutputSerializer, **error_responses(ArticleNotFound)},
    )
    def list(self, request: Request, pk: str) -> Response:
        rows = selectors.attachment_list(article_id=int(pk), user=request.user)
        return Response({"results": [selectors.attachment_represent(row) for row in rows]})

    @extend_schema(
        operation_id="articles_attachments_create",
        summary="Attach a PDF (the article's author)",
        description="Multipart, field `file`. Judged by its bytes: anything but a PDF pypdf "
        "can open is 415 `unsupported_media_type`, whatever its name. 413 "
        "`attachment_too_large` beyond ATTACHMENTS_MAX_BYTES (20 MiB); 400 "
        "`attachment_missing`, `attachment_limit_reached`; 403 `attachment_denied` on someone "
        "else's public article; 404 `not_found`. The text is extracted in the background "
        "(`text_status`) and made searchable.",
        parameters=[ARTICLE_ID],
        request={"multipart/form-data": AttachmentCreateInputSerializer},
        responses={
            201: AttachmentOutputSerializer,
            **error_responses(
                AttachmentMissing,
                AttachmentLimitReached,
                NotAuthenticated,
                AttachmentDenied,
                ArticleNotFound,
                AttachmentTooLarge,
                UnsupportedMediaType,
            ),
        },
    )
    def create(self, request: Request, pk: str) -> Response:
        if _body_too_large(request):  # before the body is read
            raise AttachmentTooLarge()
        upload = request.FILES.get("file")
        if upload is None:
            raise AttachmentMissing()
        attachment = services.attachment_create(
            user=request.user, article_id=int(pk), upload=upload
        )
        return Response(selectors.attachment_represent(attachment), status=status.HTTP_201_CREATED)


@extend_schema(tags=["attachments"])
class AttachmentViewSet(viewsets.ViewSet):
    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.action == "retrieve" else [IsAuthenticated()]

    @extend_schema(
        operation_id="attachments_download",
        summary="Download an attachment (application/pdf, as a file to save)",
        description="As visible as its article; 404 `attachment_not_found`.",
        parameters=[ATTACHMENT_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(AttachmentNotFound),
        },
    )
    def retrieve(self, request: Request, pk: str) -> Any:
        attachment = selectors.attachment_get_for_user(attachment_id=int(pk), user=request.user)
        response = FileResponse(attachment.file.open("rb"), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(attachment.filename)
        response["Content-Length"] = str(attachment.size)
        response["X-Content-Type-Options"] = "nosniff"
        # A PDF opened from here runs no script and loads nothing in our origin.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        operation_id="attachments_destroy",
        summary="Delete an attachment (the article's author)",
        description="403 `attachment_denied` for readers of a public article; 404 "
        "`attachment_not_found`.",
        parameters=[ATTACHMENT_ID],
        responses={
            204: None,
            **error_responses(NotAuthenticated, AttachmentDenied, AttachmentNotFound),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.attachment_delete(user=request.user, attachment_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
