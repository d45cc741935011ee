"""Development on one machine: the embedded defaults, DEBUG on, a fixed development key."""

from config.settings.base import *
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development-only key; production.py refuses to start without a real one.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="scholarnet-local-development-key-not-for-production"
)
LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOGGING["handlers"]["stderr"]["formatter"] = LOG_FORMAT
