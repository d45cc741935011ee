"""Configuration checks: the search backend must be one we have, with what it needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from apps.search.backends import BACKENDS


@register("search")
def check_search_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.SEARCH_BACKEND not in BACKENDS:
        return [
            Error(
                f"SEARCH_BACKEND is {settings.SEARCH_BACKEND!r}.",
                hint=f"Use one of: {', '.join(BACKENDS)}.",
                id="search.E001",
            )
        ]
    if settings.SEARCH_BACKEND == "elasticsearch" and not settings.ELASTICSEARCH_URL:
        return [
            Error(
                "SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL.",
                hint="Set ELASTICSEARCH_URL, e.g. http://elasticsearch:9200.",
                id="search.E002",
            )
        ]
    return []
