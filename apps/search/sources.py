"""Where indexed documents come from: the database, through the owning app's selectors.

Handlers and the reindex command read the current state here instead of trusting an event's
payload ("state, not deltas"): a redelivered old event re-reads today's state, so it can never
put a withdrawn article back. Each reader returns None for anything that is not public.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps

Document = dict[str, Any]

# What each type stores and searches; "id" is the doc id, never a field.
ARTICLE_FIELDS = (
    "title",
    "abstract",
    "text",
    "tags",
    "author_id",
    "author_nickname",
    "published_at",
)
USER_FIELDS = ("nickname", "about", "avatar_url")  # public profile fields only
TAG_FIELDS = ("name", "official", "owner_id")


class SourceUnavailable(Exception):
    """The app that owns a document type is not installed or offers no search documents."""


@dataclass(frozen=True, slots=True)
class Source:
    doc_type: str
    fields: tuple[str, ...]
    batch: Callable[[int, int], list[Document]]  # (after_id, batch_size), ordered by id
    count: Callable[[], int | None]

    def indexed_fields(self, document: Document) -> dict[str, Any]:
        return {name: document.get(name) for name in self.fields}


def article_document(article_id: int) -> Document | None:
    return _selector("articles", "article_search_document")(article_id=article_id)


def article_public_ids(article_ids: list[int]) -> set[int]:
    if not article_ids:
        return set()
    return set(_selector("articles", "article_public_ids")(article_ids=article_ids))


def user_document(user_id: int) -> Document | None:
    from apps.users.selectors import user_search_document

    return user_search_document(user_id=user_id)


def user_active_ids(user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    from apps.users.selectors import user_active_ids

    return user_active_ids(user_ids=user_ids)


def source_for(doc_type: str) -> Source:
    if doc_type == "article":
        return Source("article", ARTICLE_FIELDS, _article_batch, lambda: None)
    if doc_type == "user":
        return Source("user", USER_FIELDS, _user_batch, _user_count)
    if doc_type == "tag":
        return Source("tag", TAG_FIELDS, _tag_batch, lambda: None)
    raise SourceUnavailable(f"no database source for doc type {doc_type!r}")


def _article_batch(after_id: int, batch_size: int) -> list[Document]:
    selector = _selector("articles", "article_search_documents")
    return list(selector(after_id=after_id, batch_size=batch_size))


def _tag_batch(after_id: int, batch_size: int) -> list[Document]:
    # The tags app hands out its search.any payloads: {"doc_id", "fields", ...}.
    payloads = _selector("tags", "tag_search_documents")(after_id=after_id, limit=batch_size)
    return [{"id": int(payload["doc_id"]), **payload["fields"]} for payload in payloads]


def _user_batch(after_id: int, batch_size: int) -> list[Document]:
    # One query per batch. The column list is the same public set as
    # users.selectors.user_search_document (a test holds them equal): email and phone are never
    # read, so they cannot reach the index.
    from apps.users.models import User

    return list(
        User.objects.filter(is_active=True, pk__gt=after_id)
        .order_by("pk")
        .values("id", *USER_FIELDS)[:batch_size]
    )


def _user_count() -> int:
    from apps.users.models import User

    return User.objects.filter(is_active=True).count()


def _selector(app_label: str, name: str) -> Callable[..., Any]:
    if not apps.is_installed(f"apps.{app_label}"):
        raise SourceUnavailable(f"apps.{app_label} is not installed")
    module = importlib.import_module(f"apps.{app_label}.selectors")
    selector = getattr(module, name, None)
    if selector is None:
        raise SourceUnavailable(f"apps.{app_label}.selectors has no {name}")
    return selector
