"""Per-installation secrets: generated on first use, kept in a 0600 file under ``var/``.

A single-machine installation (``make run``) must not sign sessions and tokens with a key that
is published in the repository, yet it must work with no setup. The first process that needs
the secrets generates them under a file lock and writes them atomically; every later process
(the web workers, Celery, a ``manage.py`` shell, the next start) reads the same file, so tokens
survive restarts and two installations never share a key.

This module is imported by settings files, so it must not touch ``django.conf``.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path

# The settings a single-machine installation generates for itself.
INSTALLATION_SECRET_NAMES = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")
SECRET_BYTES = 48


def installation_secrets(
    path: Path, *, names: Iterable[str] = INSTALLATION_SECRET_NAMES
) -> dict[str, str]:
    """The secrets stored at ``path``, creating the file (mode 0600) or adding missing names."""
    wanted = tuple(names)
    stored = read_secrets(path)
    if any(not stored.get(name) for name in wanted):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Web workers, Celery and beat may all start at once: one lock, and whoever comes
        # second reads what the first one wrote instead of generating other values.
        with open(path.with_name(path.name + ".lock"), "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            stored = read_secrets(path)
            missing = [name for name in wanted if not stored.get(name)]
            if missing:
                generated = {name: secrets.token_urlsafe(SECRET_BYTES) for name in missing}
                stored = stored | generated
                _write_private(path, stored)
    return {name: stored[name] for name in wanted}


def read_secrets(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, separator, value = line.partition("=")
        if separator and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _write_private(path: Path, values: dict[str, str]) -> None:
    lines = ["# Generated for this installation. Never commit or share this file."]
    lines += [f"{name}={value}" for name, value in sorted(values.items())]
    # mkstemp creates the file with mode 0600, so the secrets are never readable by others,
    # and the rename makes a reader see the old file or the whole new one.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secrets-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
