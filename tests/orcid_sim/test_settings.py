"""The ORCID simulator is mounted only where settings install it; production refuses it."""

from __future__ import annotations

from tests.wechat_sim.test_settings import PRODUCTION_ENV, _run

SHOW_ROUTES = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.urls import resolve, Resolver404\n"
    "try:\n    resolve('/orcid-sim/oauth/token'); print('mounted')\n"
    "except Resolver404:\n    print('absent')\n"
    "print('installed' if 'apps.orcid_sim' in settings.INSTALLED_APPS else 'not installed')\n"
    "print(settings.ORCID_TOKEN_URL)"
)


def test_production_refuses_the_simulator():
    result = _run(PRODUCTION_ENV | {"ORCID_SIMULATOR_ENABLED": "true"})

    assert result.returncode != 0
    assert "ORCID_SIMULATOR_ENABLED is for local runs" in result.stderr


def test_production_runs_without_the_simulator_mounted_or_installed():
    result = _run(PRODUCTION_ENV, SHOW_ROUTES)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "absent",
        "not installed",
        "https://orcid.org/oauth/token",
    ]


def test_the_test_settings_mount_it(client):
    from django.conf import settings

    assert "apps.orcid_sim" in settings.INSTALLED_APPS
    assert settings.ORCID_TOKEN_URL == "http://testserver/orcid-sim/oauth/token"
    assert client.post("/orcid-sim/oauth/token").status_code == 401  # no client credentials
