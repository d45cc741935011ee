"""Errors of the search API, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError


class QueryEmpty(ApplicationError):
    status_code = 400
    code = "query_empty"
    default_detail = "Type something to search for (the q parameter is empty)."


class QueryTooLong(ApplicationError):
    status_code = 400
    code = "query_too_long"

    def __init__(self, *, max_length: int) -> None:
        super().__init__(
            f"The query is longer than {max_length} characters.",
            extra={"max_length": max_length},
        )
