"""The settings that aim the ORCID sign-in (apps.users.orcid) at this simulator."""

from __future__ import annotations

# A local stand-in with a published secret: production settings refuse the simulator.
CLIENT_ID = "APP-SIMULATOR000001"
CLIENT_SECRET = "orcid-simulator-secret"  # noqa: S105 (the simulator's, public by design)


def orcid_settings(*, site_url: str) -> dict[str, object]:
    site_url = site_url.rstrip("/")
    return {
        "ORCID_LOGIN_ENABLED": True,
        "ORCID_CLIENT_ID": CLIENT_ID,
        "SOCIAL_AUTH_ORCID_KEY": CLIENT_ID,
        "ORCID_CLIENT_SECRET": CLIENT_SECRET,
        "SOCIAL_AUTH_ORCID_SECRET": CLIENT_SECRET,
        "ORCID_AUTHORIZE_URL": f"{site_url}/orcid-sim/oauth/authorize",
        "ORCID_TOKEN_URL": f"{site_url}/orcid-sim/oauth/token",
        "ORCID_USERINFO_URL": f"{site_url}/orcid-sim/oauth/userinfo",
        "ORCID_RECORD_URL": f"{site_url}/orcid-sim/v2.0/{{}}",
    }
