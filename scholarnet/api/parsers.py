"""JSON request parsing with orjson.

The standard library's parser recurses once per nesting level, so a 2 KB body of 1000 ``[``
overflowed the interpreter's stack and the resulting ``RecursionError`` left the API as a 500.
orjson stops at a fixed depth (1024) with an ordinary decode error, rejects ``NaN``/``Infinity``
and lone surrogates (which the database could not store), and is several times faster.

No request body of this API nests more than a few levels, so anything deeper than
:data:`MAX_DEPTH` is refused as a parse error too: serializers, validators and the error
renderer never walk a pathological structure. So is an integer outside the 64-bit signed range
(orjson reads up to 2**64 - 1 exactly): every integer here is an id, a count or an amount, and
a longer one only overflowed the database driver (a 500).

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
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


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
        problem = _structure_problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
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


def _structure_problem(data: Any) -> str | None:
    """Nesting past MAX_DEPTH, or an integer no BIGINT column holds; iterative, any depth."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, int) and not isinstance(value, bool):
            if not INT64_MIN <= value <= INT64_MAX:
                # orjson keeps integers up to 2**64 - 1 exact; a query with one overflows.
                return "an integer is outside the 64-bit signed range"
            continue
        if not isinstance(value, (list, dict)):
            continue
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children)
    return None
