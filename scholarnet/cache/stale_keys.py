"""Cache keys that higher apps register for a lower app's writes to drop.

A lower app cannot import the higher apps that cache what it owns (the layer rule), so it owns
a :class:`StaleKeys` and every write that changes the object calls
:meth:`StaleKeys.invalidate_on_commit`. A higher app registers, in its ``AppConfig.ready()``, a
function naming the keys a change of one object (by id) makes stale; they are dropped with the
two-level cache's invalidation (Redis and every process's local tier) once the write commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scholarnet.cache import invalidate_many_on_commit

KeysOf = Callable[[int], Iterable[str]]


class StaleKeys:
    def __init__(self, name: str) -> None:
        self.name = name  # what the keys go stale with, for reading and debugging
        self._sources: list[KeysOf] = []

    def register(self, keys: KeysOf) -> None:
        if keys not in self._sources:
            self._sources.append(keys)

    def keys(self, object_id: int) -> list[str]:
        return [key for keys in self._sources for key in keys(object_id)]

    def invalidate_on_commit(self, object_id: int) -> None:
        """Drop the registered keys of ``object_id`` once the current transaction commits."""
        keys = self.keys(object_id)
        if keys:
            invalidate_many_on_commit(keys)
