"""Stop a long-running command cleanly on SIGTERM (a deploy) or SIGINT (Ctrl-C)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call ``stop`` on SIGTERM/SIGINT while inside the block; the previous handlers return after.

    The loop being stopped finishes the unit of work in hand (a batch, a message) and returns
    normally, so offsets and outbox marks are written before the process exits.
    """
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda _signum, _frame: stop())
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
