import subprocess
import sys
from pathlib import Path

import pytest

from scholarnet.runtime import redis_server


@pytest.fixture
def socket_path(tmp_path: Path) -> Path:
    # Unix socket paths are limited to ~100 bytes; pytest's tmp_path can be longer.
    short = Path(f"/tmp/sn-redis-{tmp_path.name[-12:]}")
    short.mkdir(exist_ok=True)
    path = short / "redis.sock"
    yield path
    redis_server.stop_owned_server(path)


def test_embedded_redis_starts_once_and_is_reused(socket_path):
    assert redis_server.is_running(socket_path) is False

    assert redis_server.ensure_embedded_redis(socket_path) is True
    assert redis_server.is_running(socket_path) is True
    # A second caller finds the running server instead of starting another.
    assert redis_server.ensure_embedded_redis(socket_path) is False


def test_embedded_redis_stops_with_its_owner(socket_path):
    redis_server.ensure_embedded_redis(socket_path)

    redis_server.stop_owned_server(socket_path)

    assert redis_server.is_running(socket_path) is False
    assert not socket_path.exists()


def test_embedded_redis_replaces_a_stale_socket_file(socket_path):
    socket_path.touch()  # left behind by a server that was killed

    assert redis_server.ensure_embedded_redis(socket_path) is True
    assert redis_server.is_running(socket_path) is True


def _import_production_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup()"
    base_env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=base_env | env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_production_settings(
        {"DJANGO_ALLOWED_HOSTS": "example.org", "REDIS_URL": "redis://127.0.0.1:1/0"}
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_when_its_secrets_are_set():
    result = _import_production_settings(
        {
            "DJANGO_SECRET_KEY": "x" * 50,
            "JWT_SIGNING_KEY": "y" * 50,
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )

    assert result.returncode == 0, result.stderr
