import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from apps.users.tokens import token_pair_issue

PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def _start_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_jwt_signing_key():
    result = _start_production(PRODUCTION_ENV)

    assert result.returncode != 0
    assert "JWT_SIGNING_KEY" in result.stderr


def test_production_starts_with_a_jwt_signing_key():
    result = _start_production(PRODUCTION_ENV | {"JWT_SIGNING_KEY": "y" * 50})

    assert result.returncode == 0, result.stderr


def test_production_with_orcid_login_needs_its_client_settings():
    started = PRODUCTION_ENV | {"JWT_SIGNING_KEY": "y" * 50, "ORCID_LOGIN_ENABLED": "true"}

    result = _start_production(started)

    assert result.returncode != 0
    assert "ORCID_CLIENT_ID" in result.stderr
    configured = started | {
        "ORCID_CLIENT_ID": "APP-0000000000000001",
        "ORCID_CLIENT_SECRET": "s" * 36,
        "ORCID_REDIRECT_URI": "https://example.org/api/v1/auth/orcid/callback",
    }
    assert _start_production(configured).returncode == 0


def test_tokens_are_signed_with_jwt_signing_key_else_secret_key(settings):
    settings.JWT_SIGNING_KEY = ""
    by_secret_key = token_pair_issue(user_id=1, session_id="s", generation=0, user_agent="ua")
    settings.JWT_SIGNING_KEY = "a-dedicated-signing-key-0123456789abcdef"
    by_jwt_key = token_pair_issue(user_id=1, session_id="s", generation=0, user_agent="ua")

    assert jwt.decode(by_secret_key.access, settings.SECRET_KEY, algorithms=["HS256"])["sid"] == "s"
    assert (
        jwt.decode(by_jwt_key.refresh, settings.JWT_SIGNING_KEY, algorithms=["HS256"])["gen"] == 0
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(by_jwt_key.access, settings.SECRET_KEY, algorithms=["HS256"])
