"""Per-installation secrets (var/secrets.env): generated once, private, shared by every process."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

from scholarnet.runtime.installation import installation_secrets, read_secrets

NAMES = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")


def test_first_use_generates_a_private_file(tmp_path):
    path = tmp_path / "secrets.env"

    values = installation_secrets(path)

    assert set(values) == set(NAMES)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_secrets(path) == values
    assert len(set(values.values())) == 2


def test_the_secrets_persist_and_differ_between_installations(tmp_path):
    first = installation_secrets(tmp_path / "one" / "secrets.env")
    again = installation_secrets(tmp_path / "one" / "secrets.env")
    other = installation_secrets(tmp_path / "two" / "secrets.env")

    assert again == first
    assert other["DJANGO_SECRET_KEY"] != first["DJANGO_SECRET_KEY"]
    assert other["JWT_SIGNING_KEY"] != first["JWT_SIGNING_KEY"]


def test_a_missing_name_is_added_and_the_others_kept(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("DJANGO_SECRET_KEY=kept-from-before\n")

    values = installation_secrets(path)

    assert values["DJANGO_SECRET_KEY"] == "kept-from-before"
    assert len(values["JWT_SIGNING_KEY"]) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


CHILD = """
import sys, time
from pathlib import Path
from scholarnet.runtime.installation import installation_secrets
go = Path(sys.argv[2])
while not go.exists():  # start together, as web workers, Celery and beat do
    time.sleep(0.001)
print(installation_secrets(Path(sys.argv[1]))["DJANGO_SECRET_KEY"])
"""


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path, go = tmp_path / "secrets.env", tmp_path / "go"
    root = Path(__file__).resolve().parents[3]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(go)],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    time.sleep(1.0)  # every child is importing, then waiting
    go.touch()

    keys = {child.communicate(timeout=60)[0].strip() for child in children}

    assert keys == {read_secrets(path)["DJANGO_SECRET_KEY"]}
