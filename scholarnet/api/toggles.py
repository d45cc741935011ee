"""Idempotent toggles: one URL where PUT sets a relation and DELETE clears it, answering the state.

Likes, collects and follows (users and tags) share the shape: ``PUT …/like`` / ``DELETE …/like``,
each repeatable, each answering the state after it (``{"liked": true, "like_count": 3}``) with
200, never 201/204, so a client that retries learns the outcome either way. Routes::

    urlpatterns = [toggle_route(rf"^articles/{ID}/like$", ArticleLikeViewSet, on="like",
                                off="unlike", name="articles-like")]

and, in the view set, one schema per direction and the state rendered from the service's
result::

    @toggle_schema("articles_like", "Like an article (idempotent)", ArticleLikeOutputSerializer,
                   errors=(NotAuthenticated, ArticleNotFound, RateLimited), parameters=[ARTICLE_ID])
    def like(self, request, pk):
        return state_response(services.article_like(...), "liked", "like_count")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.urls import URLPattern, re_path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from scholarnet.api.schema import ErrorSpec, error_responses

__all__ = ["ID", "state_response", "toggle_route", "toggle_schema"]

ID = "(?P<pk>[0-9]{1,18})"  # fits a BIGINT: longer ids cannot exist, so they are a 404


def toggle_route(path: str, viewset: Any, *, on: str, off: str, name: str) -> URLPattern:
    """``path`` served by ``viewset``: PUT runs its ``on`` action, DELETE its ``off`` action."""
    return re_path(path, viewset.as_view({"put": on, "delete": off}), name=name)


def toggle_schema(
    operation_id: str,
    summary: str,
    output: type,
    *,
    errors: Sequence[ErrorSpec],
    parameters: Sequence[Any] = (),
    description: str = "Answers the state after it.",
    request: Any = None,
) -> Callable[[Any], Any]:
    """The OpenAPI of one toggle direction: 200 with the state, the closed set of errors."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        parameters=list(parameters),
        request=request,
        responses={200: output, **error_responses(*errors)},
    )


def state_response(state: Any, *fields: str) -> Response:
    """200 with ``fields`` of the service's state object."""
    return Response({field: getattr(state, field) for field in fields})
