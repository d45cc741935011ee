"""JSON request parsing with orjson.

The standard library's parser recurses once per nesting level, so a 2 KB body of 1000 ``[``
overflowed the interpreter's stack and the resulting ``RecursionError`` left the API as a 500.
orjson stops at a fixed depth (1024) with an ordinary decode error, rejects ``NaN``/``Infinity``
and lone surrogates (which the database could not store), and is several times faster.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class OrjsonParser(BaseParser):
    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = stream.read() if stream is not None else b""
        try:
            return orjson.loads(body)
        except (orjson.JSONDecodeError, RecursionError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
