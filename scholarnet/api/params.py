"""Query parameters as a serializer should see them."""

from __future__ import annotations

from rest_framework.request import Request


def query_params_data(request: Request) -> dict[str, str]:
    """The query string as a plain dict (the last value of a repeated name wins).

    Given the ``QueryDict`` itself, DRF treats it as an HTML form, where an empty optional
    field means "not sent": ``?tag=`` was silently ignored although a tag name cannot be
    blank. As a plain dict, ``tag=`` is validated like any other value (a 400).
    """
    return request.query_params.dict()
