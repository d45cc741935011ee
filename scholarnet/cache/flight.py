"""Single flight inside one process: one thread per key does the work, the others queue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Flight:
    lock: threading.Lock = field(default_factory=threading.Lock)
    waiters: int = 0


class SingleFlight:
    """Per-key mutual exclusion inside the process; entries vanish when nobody holds them."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight()
            flight.waiters += 1
        try:
            with flight.lock:
                yield
        finally:
            with self._guard:
                flight.waiters -= 1
                if flight.waiters == 0:
                    del self._flights[key]
