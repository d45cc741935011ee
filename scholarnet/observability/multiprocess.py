"""The directory of prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``).

Every process of an installation (granian workers, Celery worker and beat, the relay, the
consumers) writes its metrics to memory-mapped files in this one directory, and ``/metrics``
sums them, so every scrape sees the same totals whichever worker answers. The directory must
be emptied before the first process starts: files left by a previous run would be summed too.
prometheus_client decides at import time whether a process writes there, so the variable must
be in the environment of each process before it starts, not set later in settings.
"""

from __future__ import annotations

import os
from pathlib import Path

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir_reset(*, path: Path) -> Path:
    """Create ``path`` (mode 0700) or empty it of a previous run's files; returns it resolved."""
    path = path.resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for leftover in path.glob("*.db"):
        leftover.unlink(missing_ok=True)
    return path


def multiprocess_environment(*, path: Path) -> dict[str, str]:
    """The variables a child process needs to write to the multiprocess directory."""
    return {ENVIRONMENT_VARIABLE: str(path)}


def multiprocess_dir() -> Path | None:
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(value) if value else None
