"""The anonymous fast path of ``GET /api/v1/users/{id}``, the public profile.

Like the article detail's (:mod:`apps.articles.views`, built on
:func:`scholarnet.api.fast_path.anonymous_fast_path`): for an anonymous reader asking for JSON
it answers from the two-level cache's process-local tier (no Redis round trip while the entry is
fresh; pub/sub invalidation drops it on change) without DRF's dispatch, with the same bytes and
headers the DRF view renders (a test holds the two together). Everything else goes to the DRF
view, which stays the definition of the endpoint: credentials, another method or media type, a
query string, and every id the selector does not find (its 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from apps.users import selectors
from scholarnet.api.fast_path import anonymous_fast_path

# What the DRF view adds to every response: it answers per Accept, and lists its methods.
PROFILE_HEADERS = {"Vary": "Accept", "Allow": "GET, HEAD, OPTIONS"}


def _public_profile_json(request: HttpRequest, pk: str) -> bytes | None:
    return selectors.user_public_profile_json(user_id=int(pk))


def user_public_profile_view(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The profile view: the fast path in front of ``api_view``, the DRF retrieve view."""
    return anonymous_fast_path(api_view, _public_profile_json, headers=PROFILE_HEADERS)
