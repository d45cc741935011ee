"""Build time only: the Docker image's ``collectstatic`` and ``check``; no secret, no service.

An image must not need runtime secrets to be built (they would end up in its layers), and no
database, Redis or broker is reachable while it builds. The placeholder key below is never used
to serve: the image runs with ``config.settings.production``, which refuses to start without the
real secrets.
"""

from config.settings.base import *

SECRET_KEY = "build-time-only-never-used-to-serve"  # see the module docstring
JWT_SIGNING_KEY = SECRET_KEY
# No Redis exists at build time; this keeps the embedded one from being started.
EMBEDDED_REDIS = False
STORAGES = STATIC_MANIFEST_STORAGES
