"""OpenAPI for the error envelope: each endpoint documents the closed set of codes it answers.

Pass :func:`error_responses` the errors an endpoint raises, as classes (or, for a code chosen
where it is raised, as instances); each status gets the envelope with an enum of its codes::

    @extend_schema(
        request=ArticleCreateInputSerializer,
        responses={201: ArticleDraftOutputSerializer, **error_responses(ValidationFailed,
                                                                        ContentTooLarge)},
    )

:class:`AutoSchema` (``DEFAULT_SCHEMA_CLASS``) adds the errors no view names because the kernel
answers them: too many parameters, a bad Host, the global rate limit, a JSON body that does not
parse, the authentication class's token errors, the paginator's bad ``page_size``/``cursor``.
A validation error lists fields under ``extra.fields``, nested ones with dotted names
(``tags.0``); a 429 carries ``extra.retry_after``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from drf_spectacular.drainage import warn
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance, is_list_serializer, is_serializer
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from scholarnet.api.errors import (
    ApplicationError,
    InvalidCursor,
    InvalidHost,
    NotFound,
    RateLimited,
    RequestTooLarge,
    TooManyFields,
    ValidationFailed,
)
from scholarnet.ratelimit.service import LimiterUnavailable

# An error an endpoint raises: an ApplicationError or DRF exception class, or an instance of
# one for a code given where it is raised (``ValidationFailed(code="code_expired")``).
# A bare status (the former signature) is accepted so older call sites still import, and is
# reported as a schema warning, which fails ``make check-schema``.
ErrorSpec = type[ApplicationError] | type[drf_exceptions.APIException] | Exception | int

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

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
    502: "An upstream service failed.",
    503: "The service is temporarily unavailable.",
}


class ErrorResponseSerializer(serializers.Serializer):
    """The bare envelope, for a response documented without its codes (prefer error_responses)."""

    detail = serializers.CharField(help_text="Human-readable explanation.")
    code = serializers.CharField(help_text="Stable machine-readable error code.")
    extra = serializers.DictField(help_text="Details that depend on the code.")


def error_status_and_code(error: ErrorSpec) -> tuple[int, str]:
    """The HTTP status and ``code`` the exception handler answers for ``error``."""
    if isinstance(error, int):
        raise TypeError(f"{error} is a status: name the errors raised instead")
    if isinstance(error, type) and issubclass(error, ApplicationError):
        return error.status_code, error.code
    if isinstance(error, ApplicationError):
        return error.status_code, error.code
    throttled = isinstance(error, drf_exceptions.Throttled) or (
        isinstance(error, type) and issubclass(error, drf_exceptions.Throttled)
    )
    if throttled:
        return 429, "rate_limited"  # as exception_handler renders DRF's Throttled
    if isinstance(error, type) and issubclass(error, drf_exceptions.APIException):
        return error.status_code, str(error.default_code)
    if isinstance(error, drf_exceptions.ValidationError):
        return 400, "invalid"  # exception_handler's code for every validation error
    if isinstance(error, drf_exceptions.APIException):
        codes = error.get_codes()
        return error.status_code, codes if isinstance(codes, str) else str(error.default_code)
    raise TypeError(f"not an error class or instance: {error!r}")


def error_responses(*errors: ErrorSpec) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse}`` for ``@extend_schema(responses=...)``, one per status."""
    codes: dict[int, set[str]] = defaultdict(set)
    for error in errors:
        if isinstance(error, int):
            codes[error].update(())  # documented with no codes: AutoSchema warns
            continue
        status, code = error_status_and_code(error)
        codes[status].add(code)
    return {status: _response(status, codes[status]) for status in sorted(codes)}


def envelope_schema(status: int, codes: Iterable[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["detail", "code", "extra"],
        "properties": {
            "detail": {"type": "string", "description": "Human-readable explanation."},
            "code": {
                "type": "string",
                "enum": sorted(set(codes)),
                "description": "Stable machine-readable error code.",
            },
            "extra": _extra_schema(status),
        },
    }


def _extra_schema(status: int) -> dict[str, Any]:
    if status == 400:
        fields = {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "For code invalid: each field (or non_field_errors) to its messages; "
            "a nested field is named with dots, e.g. tags.0 or authors.1.name.",
        }
        return {"type": "object", "properties": {"fields": fields}}
    if status == 429:
        retry_after = {"type": "integer", "minimum": 1, "description": "Seconds to wait."}
        return {
            "type": "object",
            "required": ["retry_after"],
            "properties": {"retry_after": retry_after},
        }
    return {"type": "object", "description": "Details that depend on the code."}


def _response(status: int, codes: Iterable[str]) -> OpenApiResponse:
    return OpenApiResponse(
        response=envelope_schema(status, codes),
        description=ERROR_DESCRIPTIONS.get(status, "Error."),
    )


def _envelope_codes(schema: Any) -> list[str] | None:
    """The code enum of an envelope built here, None for any other schema."""
    if not isinstance(schema, dict) or schema.get("required") != ["detail", "code", "extra"]:
        return None
    enum = schema.get("properties", {}).get("code", {}).get("enum")
    return list(enum) if isinstance(enum, list) else None


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the errors the kernel answers for every endpoint."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        self._warn_on_bare_statuses(responses)
        codes: dict[int, set[str]] = defaultdict(set)
        for error in self._kernel_errors(has_body="requestBody" in operation):
            status, code = error_status_and_code(error)
            codes[status].add(code)
        for status, status_codes in codes.items():
            self._merge(responses, status, status_codes)
        operation["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))
        return operation

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(field, serializers.IntegerField):
            # Ids and counts are BIGINT; the JSON parser reads a longer integer as a float,
            # which no IntegerField takes. Saying so keeps generated clients inside the range.
            schema.setdefault("minimum", INT64_MIN)
            schema.setdefault("maximum", INT64_MAX)
        return schema

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A list action that answers a page serializer ({"results", "next", ...}) answers one
        # object; drf-spectacular would document an array of pages.
        is_object = is_serializer(serializer) and not is_list_serializer(serializer)
        if is_object and {"results", "next"} <= set(force_instance(serializer).fields):
            return False
        return bool(super()._is_list_view(serializer))

    def _kernel_errors(self, *, has_body: bool) -> list[ErrorSpec]:
        # Answered before any view code runs: the envelope middleware, the global rate limit
        # and Django's request parsing.
        errors: list[ErrorSpec] = [TooManyFields, InvalidHost, RateLimited, LimiterUnavailable]
        if has_body:
            errors += [
                drf_exceptions.ParseError,
                drf_exceptions.UnsupportedMediaType,
                RequestTooLarge,
            ]
        for authenticator in self.view.get_authenticators():
            errors += getattr(authenticator, "errors", ())
        permissions = self.view.get_permissions()
        if any(not isinstance(permission, AllowAny) for permission in permissions):
            errors.append(drf_exceptions.NotAuthenticated)
        if self._is_list_view() and self._get_paginator() is not None:
            errors += [ValidationFailed, InvalidCursor]
        if "{" in self.path:  # a path parameter outside its route's pattern matches no URL
            errors.append(NotFound)
        return errors

    def _warn_on_bare_statuses(self, responses: dict[str, Any]) -> None:
        for key, response in responses.items():
            for media_type in response.get("content", {}).values():
                if _envelope_codes(media_type.get("schema")) == []:
                    warn(
                        f"{self.method} {self.path}: error_responses() was given the status "
                        f"{key}; pass the errors the endpoint raises, so their codes are listed"
                    )

    def _merge(self, responses: dict[str, Any], status: int, codes: set[str]) -> None:
        key = str(status)
        if key not in responses:
            responses[key] = self._get_response_for_code(_response(status, codes), key)
            return
        for media_type in responses[key].get("content", {}).values():
            documented = _envelope_codes(media_type.get("schema"))
            if documented is None:
                warn(f"{self.method} {self.path}: the {status} response is not an error envelope")
                continue
            media_type["schema"] = envelope_schema(status, set(documented) | codes)
