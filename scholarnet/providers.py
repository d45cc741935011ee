"""Bulk field providers: how a higher app answers part of a lower app's read.

A lower app (articles, users) owns a read whose fields come from apps above it: an article's
like, collect and read counts (interactions) and comment count (comments), a profile's follower
counts (follows). Importing those apps would point the dependency the wrong way, so the lower
app declares a :class:`BulkFieldProviders` with the fields and their defaults, and each higher
app registers, in its ``AppConfig.ready()``, a function that fills the fields it owns for a
whole page of ids in one call::

    article_counts_providers.register(
        name="interactions", fields=("like_count", "collect_count"), provide=stats_for
    )

A field has at most one provider; a field nobody provides keeps its default, so the read works
(with zeros) before the higher app exists or when it is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

K = TypeVar("K", bound=Hashable)

# provide(ids=[...], **context) → {id: {field: value}}; ids it leaves out keep the defaults.
Provide = Callable[..., Mapping[Any, Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class _Provider:
    name: str
    fields: tuple[str, ...]
    provide: Provide


class BulkFieldProviders(Generic[K]):
    """The providers of one bulk read, each owning some of its fields."""

    def __init__(self, *, name: str, defaults: Mapping[str, Any]) -> None:
        self.name = name
        self.defaults = dict(defaults)
        self._providers: dict[str, _Provider] = {}
        self._lock = threading.Lock()

    def register(self, *, name: str, fields: Iterable[str], provide: Provide) -> None:
        """Add (or, under the same ``name``, replace) a provider of ``fields``.

        Re-registering under one name is allowed so ``ready()`` may run twice (tests).
        """
        owned = tuple(fields)
        unknown = set(owned) - set(self.defaults)
        if unknown:
            raise ImproperlyConfigured(f"{self.name}: unknown fields {sorted(unknown)} ({name})")
        with self._lock:
            for other in self._providers.values():
                taken = set(owned) & set(other.fields)
                if other.name != name and taken:
                    raise ImproperlyConfigured(
                        f"{self.name}: {sorted(taken)} already provided by {other.name}"
                    )
            self._providers = {**self._providers, name: _Provider(name, owned, provide)}

    def unregister(self, name: str) -> None:
        with self._lock:
            self._providers = {key: p for key, p in self._providers.items() if key != name}

    def provider_names(self) -> list[str]:
        return sorted(self._providers)

    def collect(self, ids: list[K], **context: Any) -> dict[K, dict[str, Any]]:
        """``{id: {field: value}}`` for every id, one call per provider for all of them."""
        rows: dict[K, dict[str, Any]] = {key: dict(self.defaults) for key in ids}
        if not rows:
            return rows
        for provider in self._providers.values():  # a snapshot: register() swaps the dict
            answered = provider.provide(ids=list(rows), **context)
            for key, values in answered.items():
                row = rows.get(key)
                if row is None:
                    continue
                for field in provider.fields:
                    if field in values:
                        row[field] = values[field]
        return rows
