"""One machine, run as production runs: the settings of ``make run``.

DEBUG is off, static files are served by WhiteNoise from ``collectstatic``'s output, and the
embedded defaults (SQLite, the embedded Redis, local events, tantivy, console SMS) are allowed.
Secrets are never published defaults: unless the environment sets them, they are generated for
this installation on first start and kept in ``var/secrets.env`` (mode 0600, never committed).

The site is served over plain HTTP on 127.0.0.1, so session and CSRF cookies are not marked
Secure here; production.py marks them Secure (HTTPS expected).
"""

from config.settings.base import *
from config.settings.base import VAR_DIR, env
from scholarnet.runtime.installation import installation_secrets

_generated = installation_secrets(VAR_DIR / "secrets.env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_generated["DJANGO_SECRET_KEY"])
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=_generated["JWT_SIGNING_KEY"])
LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOGGING["handlers"]["stderr"]["formatter"] = LOG_FORMAT

STORAGES = STATIC_MANIFEST_STORAGES
SECURE_CONTENT_TYPE_NOSNIFF = True

# The local WeChat simulator (apps.wechat_sim): WeChat Pay (and QR login) against this site, with
# test keys generated under var/wechat_sim/. production.py refuses it.
WECHAT_SIMULATOR_ENABLED = env.bool("WECHAT_SIMULATOR_ENABLED", default=True)
if WECHAT_SIMULATOR_ENABLED:
    from apps.wechat_sim.keys import login_settings, merchant_settings

    INSTALLED_APPS = [*INSTALLED_APPS, "apps.wechat_sim"]
    _simulator = {
        "directory": VAR_DIR / "wechat_sim",
        "site_url": env.str(
            "WECHAT_SIMULATOR_SITE_URL",
            default=f"http://127.0.0.1:{env.int('PORT', default=8000)}",
        ),
    }
    globals().update(merchant_settings(**_simulator) | login_settings(**_simulator))

# The local ORCID simulator (apps.orcid_sim): ORCID sign-in against this site. production.py
# refuses it.
ORCID_SIMULATOR_ENABLED = env.bool("ORCID_SIMULATOR_ENABLED", default=True)
if ORCID_SIMULATOR_ENABLED:
    from apps.orcid_sim.config import orcid_settings

    INSTALLED_APPS = [*INSTALLED_APPS, "apps.orcid_sim"]
    globals().update(
        orcid_settings(
            site_url=env.str(
                "ORCID_SIMULATOR_SITE_URL",
                default=f"http://127.0.0.1:{env.int('PORT', default=8000)}",
            )
        )
    )
