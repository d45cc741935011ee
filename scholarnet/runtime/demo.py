"""The demo moderator of a single-machine installation, with a password of its own.

The password is generated when the account is created and shown once, on that start; it is
stored only as a hash. Later starts keep it and say how to set a new one.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_ADMIN_EMAIL = "admin@scholarnet.local"
DEMO_ADMIN_NICKNAME = "Demo Moderator"
PASSWORD_BYTES = 18


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str | None  # only when the account was created by this call


def demo_admin_ensure() -> DemoLogin:
    """Create the demo moderator unless it exists; a new one gets a random password."""
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
            return DemoLogin(email=DEMO_ADMIN_EMAIL, password=None)
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        user_model.objects.create_superuser(
            email=DEMO_ADMIN_EMAIL, password=password, nickname=DEMO_ADMIN_NICKNAME
        )
    return DemoLogin(email=DEMO_ADMIN_EMAIL, password=password)


def password_reset_command() -> str:
    return f"{_relative_python()} manage.py changepassword {DEMO_ADMIN_EMAIL}"


def demo_login_lines(login: DemoLogin) -> list[str]:
    reset = f"Reset it with: {password_reset_command()}"
    if login.password is None:
        return [f"Demo login: {login.email} (password shown at the first start)", reset]
    return [
        f"Demo login: {login.email} / {login.password}",
        "This password is shown only this once; it is stored only as a hash.",
        reset,
    ]


def _relative_python() -> str:
    # ".venv/bin/python" reads better than the absolute path when run from the project root.
    try:
        return str(Path(sys.executable).relative_to(settings.BASE_DIR))
    except ValueError:
        return sys.executable
