"""The simulator is mounted only where settings install it; production refuses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "JWT_SIGNING_KEY": "y" * 50,
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}
SHOW_ROUTES = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.urls import resolve, Resolver404\n"
    "try:\n    resolve('/wechat-sim/v3/certificates'); print('mounted')\n"
    "except Resolver404:\n    print('absent')\n"
    "print('installed' if 'apps.wechat_sim' in settings.INSTALLED_APPS else 'not installed')"
)


def _run(
    env: dict[str, str], code: str = "import django; django.setup()"
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_production_refuses_the_simulator():
    result = _run(PRODUCTION_ENV | {"WECHAT_SIMULATOR_ENABLED": "true"})

    assert result.returncode != 0
    assert "WECHAT_SIMULATOR_ENABLED is for local runs" in result.stderr


def test_production_runs_without_the_simulator_mounted_or_installed():
    result = _run(PRODUCTION_ENV, SHOW_ROUTES)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["absent", "not", "installed"]


def test_production_with_payments_on_requires_the_merchant_credentials():
    result = _run(PRODUCTION_ENV | {"WECHATPAY_ENABLED": "true"})

    assert result.returncode != 0
    assert "WECHATPAY_MCHID" in result.stderr


def test_local_settings_mount_the_simulator_unless_switched_off(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env |= {"VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}

    on = _run(env, SHOW_ROUTES)
    off = _run(env | {"WECHAT_SIMULATOR_ENABLED": "false"}, SHOW_ROUTES)

    assert on.stdout.split() == ["mounted", "installed"], on.stderr
    assert off.stdout.split() == ["absent", "not", "installed"], off.stderr
    # The first run generated the test keys under that var/; nothing in the repository.
    assert sorted(p.name for p in (tmp_path / "wechat_sim").iterdir() if p.suffix == ".pem") == [
        "merchant_cert.pem",
        "merchant_key.pem",
        "platform_cert.pem",
        "platform_key.pem",
    ]
