"""Helpers for concurrency tests: threads released together against the real database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection


class ThreadsHung(AssertionError):
    """Some threads of ``run_together`` did not finish within its timeout."""


def run_together(count: int, work: Callable[[int], Any], *, timeout: float = 60.0) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at the same moment; their results.

    A thread that raised contributes its exception instead of a result, so a test can assert on
    exactly which calls failed and how. Each thread closes its own database connection. A
    thread still running after ``timeout`` seconds (all threads together) raises ``ThreadsHung``.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = [i for i, thread in enumerate(threads) if thread.is_alive()]
    if hung:
        # A hung call is a failed test, not a None result: a deadlock must not pass as "no error".
        raise ThreadsHung(
            f"{len(hung)} of {count} thread(s) still running after {timeout:g}s: {hung}"
        )
    return results
