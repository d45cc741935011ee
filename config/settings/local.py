"""Development on one machine (``make dev``): the embedded defaults, DEBUG on.

No signing key is published in the repository, not even for development: unless the
environment sets them, the keys are generated for this checkout on first use and kept in
``var/secrets.env`` (mode 0600, never committed), as ``single.py`` does for ``make run``.
"""

from config.settings.base import *
from config.settings.base import VAR_DIR, env
from scholarnet.runtime.installation import installation_secrets

_generated = installation_secrets(VAR_DIR / "secrets.env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_generated["DJANGO_SECRET_KEY"])
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=_generated["JWT_SIGNING_KEY"])
LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOGGING["handlers"]["stderr"]["formatter"] = LOG_FORMAT

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
