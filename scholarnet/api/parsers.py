"""JSON request parsing with orjson.

The standard library's parser recurses once per nesting level, so a 2 KB body of 1000 ``[``
overflowed the interpreter's stack and the resulting ``RecursionError`` left the API as a 500.
orjson stops at a fixed depth (1024) with an ordinary decode error, rejects ``NaN``/``Infinity``
and lone surrogates (which the database could not store), and is several times faster.

No request body of this API nests more than a few levels, so anything deeper than
:data:`MAX_DEPTH` is refused as a parse error too: serializers, validators and the error
renderer never walk a pathological structure.

DRF reads the body from the request stream, past the ``DATA_UPLOAD_MAX_MEMORY_SIZE`` check that
Django applies to ``request.body`` and forms; the parser applies it itself, so no endpoint
buffers an unbounded body. Over the limit is 400 ``request_too_large``, as Django answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from scholarnet.api.errors import RequestTooLarge

MAX_DEPTH = 100


class OrjsonParser(BaseParser):
    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = _read_bounded(stream, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        try:
            data = orjson.loads(body)
        except (orjson.JSONDecodeError, RecursionError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels")
        return data


def _read_bounded(stream: IO[Any] | None, *, limit: int | None) -> bytes:
    if stream is None:
        return b""
    if limit is None:
        return stream.read()
    body = stream.read(limit + 1)  # one byte more tells "over the limit" from "exactly at it"
    if len(body) > limit:
        raise RequestTooLarge()
    return body


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit``; iterative, so any depth is safe."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if not isinstance(value, (list, dict)):
            continue
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return False
