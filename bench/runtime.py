"""The production-like environment a bench run serves from, and the commands run inside it.

The app runs with ``config.settings.production``, throwaway secrets, DEBUG off, persistent
database connections, WARNING logs, the bench views on and the global rate limiter off (it would
throttle the load generator, which sends every request from one IP). ``DATABASE_URL`` and
``REDIS_URL`` from the environment (or ``.env``) select services mode; without them the run uses
the embedded defaults under ``var/bench/``, apart from the development data in ``var/``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MANAGE_TIMEOUT_S = 3600
# Secrets production.py refuses to start without. Each run gets fresh random values, so a bench
# never uses (or needs) a real one; add a name here when production.py requires a new secret.
THROWAWAY_SECRETS = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")


class BenchError(RuntimeError):
    """A step of the run failed; the message says which, the details went to the terminal."""


@dataclass(frozen=True)
class BenchEnvironment:
    root: Path
    var_dir: Path
    work_dir: Path
    env: dict[str, str]
    database: str
    redis: str

    @property
    def mode(self) -> str:
        embedded = (self.database == "sqlite", self.redis == "embedded")
        if all(embedded):
            return "embedded"
        return "mixed" if any(embedded) else "services"

    @property
    def redis_socket(self) -> Path:
        # The socket base.py derives from VAR_DIR when REDIS_URL is unset.
        return self.var_dir / "redis.sock"

    def service_process_groups(self) -> set[int]:
        """Process groups of the local services the app uses: their work is part of a request.

        Only Redis is found (it reports its own pid); a local database server's CPU counts as
        other load.
        """
        pid = _local_redis_pid(self.env.get("REDIS_URL") or f"unix://{self.redis_socket}")
        try:
            return {os.getpgid(pid)} if pid else set()
        except ProcessLookupError:
            return set()

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` with the bench settings; its stderr (progress bars) stays visible."""
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            text=True,
            timeout=MANAGE_TIMEOUT_S,
            check=False,
        )
        if completed.returncode != 0:
            output = f"\n{completed.stdout.strip()}" if completed.stdout.strip() else ""
            raise BenchError(f"manage.py {' '.join(args)} failed (see its output above){output}")
        return completed.stdout


def bench_environment(root: Path = PROJECT_ROOT) -> BenchEnvironment:
    _load_dotenv(root)
    var_dir = Path(os.environ.get("VAR_DIR", root / "var")) / "bench"
    work_dir = root / "bench" / ".work"
    for directory in (var_dir, work_dir):
        directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **_production_like(var_dir)}
    database_scheme = urlsplit(env.get("DATABASE_URL", "")).scheme or "sqlite"
    return BenchEnvironment(
        root=root,
        var_dir=var_dir,
        work_dir=work_dir,
        env=env,
        database=database_scheme.split("+")[0],
        redis="external" if env.get("REDIS_URL") else "embedded",
    )


def _production_like(var_dir: Path) -> dict[str, str]:
    return {name: secrets.token_urlsafe(50) for name in THROWAWAY_SECRETS} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_ENABLED": "false",
        "BENCH_VIEWS": "true",
        "VAR_DIR": str(var_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _load_dotenv(root: Path) -> None:
    # The app honours .env (without overriding the environment); the runner must see the same
    # DATABASE_URL / REDIS_URL to name the mode correctly.
    if (root / ".env").is_file():
        import environ

        environ.Env.read_env(root / ".env")


@contextmanager
def embedded_redis(bench: BenchEnvironment) -> Iterator[None]:
    """Own the embedded Redis for the whole run, so no server worker starts (and stops) it."""
    if bench.redis != "embedded":
        yield
        return
    from scholarnet.runtime import redis_server

    owned = redis_server.ensure_embedded_redis(bench.redis_socket)
    try:
        yield
    finally:
        if owned:
            redis_server.stop_owned_server(bench.redis_socket)


def _local_redis_pid(url: str) -> int | None:
    import redis

    parts = urlsplit(url)
    if parts.scheme != "unix" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return int(client.info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None
    finally:
        client.close()
