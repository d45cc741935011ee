"""Cursor (keyset) pagination: ``{"results": [...], "next": cursor | null}``.

The cursor is an opaque token passed back as ``?cursor=``; it is DRF's encoded position, so paging
is a keyset seek on an indexed column, stable while rows are inserted, never an OFFSET scan. The
ordering must be unique (``-id``, or a column plus ``id``) or rows sharing a value may be skipped.
A cursor that does not decode, or whose position does not fit the ordering column, is a 400
``invalid_cursor``. A ``page_size`` that is not an integer from 1 to ``max_page_size`` is a 400
``invalid`` naming the field, as every other bad parameter (and ``/search``'s) is.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Sequence
from typing import Any
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, QuerySet
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from scholarnet.api.errors import InvalidCursor, ValidationFailed


class CursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._model: type[Model] | None = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        # DRF falls back to the default on a bad value; a client asking for page_size=0 or
        # page_size=abc has a bug it should hear about.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return int(field.run_validation(raw))
        except DRFValidationError as error:
            messages = [str(message) for message in error.detail]  # type: ignore[union-attr]
            raise ValidationFailed(fields={self.page_size_query_param: messages}) from error

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Results per page, 1 to {self.max_page_size}; {self.page_size} by default."
                )
        return parameters

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise InvalidCursor() from exc
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: object) -> None:
        # Without this a forged position reaches the database filter and fails there (a 500).
        if self._model is None:
            return
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return
        if not isinstance(field, Field):
            return
        try:
            field.to_python(position)
        except DjangoValidationError as exc:
            raise InvalidCursor() from exc

    def encode_cursor(self, cursor: pagination.Cursor) -> str:
        tokens: dict[str, Any] = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        return b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {
                    "type": "string",
                    "nullable": True,
                    "description": "Opaque cursor for the next page; pass it back as ?cursor=.",
                },
            },
        }
