"""``make run``: the single-machine deployment, started as the Makefile starts it.

Each stack runs in a fresh VAR_DIR on the embedded defaults, whatever services the suite runs
against, and is stopped the way a terminal's Ctrl-C stops it.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import jwt
import pytest

from tests.platform.runtime.support import (
    BASE_DIR,
    children_of,
    processes_using,
    request,
    short_var_dir,
    start_stack,
    stop_quietly,
)

pytestmark = [
    pytest.mark.timeout(240),
    # The checks that nothing is left running read /proc.
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc (Linux only)"),
]
# What local.py used to sign with; anyone could read it in the repository.
PUBLISHED_DEVELOPMENT_KEY = "scholarnet-local-development-key-not-for-production"


@pytest.fixture(scope="module")
def stack():
    """One web server (two granian workers) without worker and beat, shared by the checks."""
    running = start_stack(short_var_dir(), "--no-worker", "--no-beat", "--workers", "2")
    try:
        running.wait_until_serving()
        yield running
    finally:
        stop_quietly(running)


def test_debug_is_off(stack):
    status, headers, body = request(f"{stack.base}/no-such-page")

    # DEBUG on would answer with Django's technical 404 page (HTML listing the URL patterns).
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"detail": "Not found.", "code": "not_found", "extra": {}}
    assert "Settings   config.settings.single (DEBUG off)" in stack.output()


def test_static_files_are_served(stack):
    status, headers, body = request(f"{stack.base}/static/admin/css/base.css")

    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert b"body" in body
    # The admin's pages link the hashed names of collectstatic's manifest.
    status, _, login_page = request(f"{stack.base}/admin/login/")
    assert status == 200
    hashed = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login_page)
    assert hashed, login_page[:500]
    assert request(f"{stack.base}{hashed.group(1).decode()}")[0] == 200


def secrets_of(var_dir) -> dict[str, str]:
    lines = (var_dir / "secrets.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_the_secrets_are_generated_private_and_not_the_development_key(stack):
    secrets_file = stack.var_dir / "secrets.env"
    values = secrets_of(stack.var_dir)

    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert set(values) == {"DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"}
    assert values["DJANGO_SECRET_KEY"] != values["JWT_SIGNING_KEY"]
    # Not the development key local.py used to publish.
    assert PUBLISHED_DEVELOPMENT_KEY not in values.values()
    assert len(values["JWT_SIGNING_KEY"]) >= 64
    # In the default VAR_DIR it could never be committed.
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/secrets.env"], cwd=BASE_DIR, check=False
    )
    assert ignored.returncode == 0


def test_a_token_signed_with_the_published_development_key_is_refused(stack):
    genuine = login(stack, stack.demo_password())
    claims = jwt.decode(genuine, options={"verify_signature": False})
    secrets = secrets_of(stack.var_dir)
    forged = jwt.encode(claims, PUBLISHED_DEVELOPMENT_KEY, algorithm="HS256")
    resigned = jwt.encode(claims, secrets["JWT_SIGNING_KEY"], algorithm="HS256")

    assert request(f"{stack.base}/api/v1/users/me", token=forged)[0] == 401
    # Only the key differs: the same claims signed with this installation's key pass.
    assert request(f"{stack.base}/api/v1/users/me", token=resigned)[0] == 200


def test_every_scrape_sees_the_sum_over_both_workers(stack):
    before = healthz_responses(request(f"{stack.base}/metrics")[2])
    for _ in range(12):
        # A new connection each time, so the kernel spreads them over both workers.
        assert request(f"{stack.base}/healthz")[0] == 200

    totals = [healthz_responses(request(f"{stack.base}/metrics")[2]) for _ in range(8)]

    assert totals == [before + 12] * 8


def healthz_responses(body: bytes) -> float:
    pattern = (
        r"^scholarnet_django_http_responses_total_by_status_view_method_total"
        r'\{method="GET",status="200",view="healthz"\} (\S+)$'
    )
    match = re.search(pattern, body.decode(), re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_a_second_stack_on_the_same_port_refuses_to_start(stack):
    var_dir = short_var_dir()
    second = start_stack(var_dir, "--no-worker", "--no-beat", port=stack.port)
    try:
        assert second.process.wait(timeout=60) != 0
        assert f"Port {stack.port} on 127.0.0.1 is already in use" in second.output()
        # It stopped before migrating: no database, no demo login, no child processes.
        assert not (var_dir / "db.sqlite3").exists()
        assert "Demo login" not in second.output()
        assert processes_using(var_dir) == []
    finally:
        stop_quietly(second)
    assert request(f"{stack.base}/healthz")[0] == 200


def test_a_port_shared_through_port_reuse_is_refused_too():
    """granian's own way of listening (SO_REUSEPORT) must not let a second server in."""
    var_dir = short_var_dir()
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        second = start_stack(var_dir, "--no-worker", "--no-beat", port=port)
        try:
            assert second.process.wait(timeout=60) != 0
            assert f"Port {port} on 127.0.0.1 is already in use" in second.output()
        finally:
            stop_quietly(second)


def test_ctrl_c_stops_everything_and_a_restart_keeps_the_installation(stack):
    var_dir = short_var_dir()
    first = start_stack(var_dir)
    try:
        first.wait_until_serving()
        password = first.demo_password()
        access = login(first, password)
        key_file = (var_dir / "secrets.env").read_text()
        # Another installation (the shared stack's) has keys of its own.
        assert set(secrets_of(var_dir).values()).isdisjoint(secrets_of(stack.var_dir).values())

        assert first.interrupt() == 0
        assert processes_using(var_dir) == []
        assert not (var_dir / "redis.sock").exists()
    finally:
        stop_quietly_keeping(first)

    second = start_stack(var_dir, "--no-worker", "--no-beat", port=first.port)
    try:
        second.wait_until_serving()
        # The same key: a token signed before the restart is still accepted.
        status, _, body = request(f"{second.base}/api/v1/users/me", token=access)
        assert (status, json.loads(body)["email"]) == (200, "admin@scholarnet.local")
        assert (var_dir / "secrets.env").read_text() == key_file
        # The password was shown once; the restart only says how to reset it.
        assert password not in second.output()
        assert "manage.py changepassword admin@scholarnet.local" in second.output()
        assert second.interrupt() == 0
        assert processes_using(var_dir) == []
    finally:
        stop_quietly(second)


def login(stack, password: str) -> str:
    status, _, body = request(
        f"{stack.base}/api/v1/auth/login",
        body={"email": "admin@scholarnet.local", "password": password},
    )
    assert status == 200, body
    return json.loads(body)["access"]


def stop_quietly_keeping(stack) -> None:
    """Stop what is left of ``stack`` but keep its VAR_DIR for the restart."""
    if stack.process.poll() is None:
        stack.process.kill()
    deadline = time.monotonic() + 10
    while processes_using(stack.var_dir) and time.monotonic() < deadline:
        time.sleep(0.2)


def test_when_the_web_server_dies_everything_else_stops_too():
    var_dir = short_var_dir()
    stack = start_stack(var_dir, "--no-beat")
    try:
        stack.wait_until_serving()
        children = children_of(stack.process.pid)
        [granian] = [pid for pid, argv in children.items() if "granian" in argv]

        os.kill(granian, signal.SIGKILL)  # its workers are left without their parent

        assert stack.process.wait(timeout=60) != 0
        assert "web exited" in stack.output()
        assert processes_using(var_dir) == []
        assert not (var_dir / "redis.sock").exists()
    finally:
        stop_quietly(stack)


def test_the_demo_moderator_signs_in_to_the_admin_over_plain_http(stack):
    """Cookies are not Secure on 127.0.0.1, so the browser flow (CSRF, session) works."""
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    opener.open(f"{stack.base}/admin/login/", timeout=10).read()
    csrf = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "username": "admin@scholarnet.local",
            "password": stack.demo_password(),
            "next": "/admin/",
        }
    ).encode()

    with opener.open(f"{stack.base}/admin/login/", data=form, timeout=10) as response:
        landed, page = response.url, response.read()

    assert landed == f"{stack.base}/admin/"
    assert b"Site administration" in page
