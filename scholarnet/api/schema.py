"""OpenAPI pieces for the error envelope, so every endpoint documents its errors the same way.

Use :func:`error_responses` next to the success response::

    @extend_schema(
        request=ArticleCreateInputSerializer,
        responses={201: ArticleOutputSerializer, **error_responses(400, 401, 429)},
    )

A 400 is documented with ``ValidationErrorResponse`` (``extra.fields`` maps each field to its
messages); every other status with ``ErrorResponse``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "The requester may not perform this action.",
    404: "Not found, or not visible to the requester.",
    405: "The method is not allowed on this resource.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    415: "The request's content type is not supported.",
    429: "Too many requests; retry after the number of seconds in the Retry-After header.",
    500: "Unexpected server error.",
    503: "The service is temporarily unavailable.",
}


class _EnvelopeSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Human-readable explanation.")
    code = serializers.CharField(help_text="Stable machine-readable error code.")


class ErrorResponseSerializer(_EnvelopeSerializer):
    extra = serializers.DictField(
        help_text="Details that depend on the code, e.g. retry_after for rate_limited."
    )


class ValidationErrorResponseSerializer(_EnvelopeSerializer):
    # Built inline: a serializer class cannot declare a field named "fields".
    extra = inline_serializer(
        name="ValidationErrorFields",
        fields={
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text="Field name (or non_field_errors) to its messages.",
            )
        },
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse}`` for ``@extend_schema(responses=...)``."""
    return {status: _error_response(status) for status in statuses}


def _error_response(status: int) -> OpenApiResponse:
    serializer = ValidationErrorResponseSerializer if status == 400 else ErrorResponseSerializer
    return OpenApiResponse(
        response=serializer, description=ERROR_DESCRIPTIONS.get(status, "Error.")
    )
