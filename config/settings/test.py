"""The test suite: embedded defaults unless DATABASE_URL / REDIS_URL / KAFKA_* say otherwise."""

import os

from config.settings.base import *
from config.settings.base import _celery_broker_from_redis, _migrator_database, env

SECRET_KEY = "scholarnet-test-key-only-used-by-the-test-suite-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOGGING["handlers"]["stderr"]["formatter"] = LOG_FORMAT
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="WARNING")
# A high global limit so tests exercise their own limits, not the per-IP one.
RATELIMIT_GLOBAL = "100000/60s"


def _redis_url_for_tests(url: str, db: int) -> str:
    """The suite flushes its Redis database between tests, so it never uses db 0."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}?db={db}"
    return urlunsplit(parts._replace(path=f"/{db}"))


# One Redis database per xdist worker (gw0, gw1 …), so parallel workers never see each other.
# TEST_REDIS_DB_BASE moves the whole range, for two suites sharing one Redis server.
_WORKER = env.str("PYTEST_XDIST_WORKER", default="gw0")
TEST_REDIS_DB = env.int("TEST_REDIS_DB_BASE", default=8) + int(_WORKER.removeprefix("gw") or 0)
if EMBEDDED_REDIS:
    # Every test process owns its embedded server, so parallel runs never flush each other.
    EMBEDDED_REDIS_SOCKET = VAR_DIR / "test" / f"redis-{os.getpid()}.sock"
    REDIS_URL = f"unix://{EMBEDDED_REDIS_SOCKET}?db=0"
REDIS_URL = _redis_url_for_tests(REDIS_URL, TEST_REDIS_DB)
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "sntest"
CELERY_BROKER_URL = _celery_broker_from_redis(REDIS_URL)
# Each test process indexes into a search index of its own, never the development one.
SEARCH_TANTIVY_PATH = VAR_DIR / "test" / f"search-{os.getpid()}"

# Two suites against one database server at once need two test databases.
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME")

# The migrator's destination (apps.migrator): a second SQLite file, or a second database on the
# default's MariaDB server. pytest-django creates its test database for the tests that ask for
# the alias; its test name follows TEST_DATABASE_NAME so two suites on one server never collide.
if "migrator" not in DATABASES:
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        _migrator_url = f"sqlite:///{VAR_DIR / 'migrator.sqlite3'}"
    else:
        from urllib.parse import urlsplit, urlunsplit

        _migrator_url = urlunsplit(urlsplit(env.str("DATABASE_URL"))._replace(path="/migrator"))
    DATABASES["migrator"] = _migrator_database(_migrator_url)
_test_name = env.str("TEST_DATABASE_NAME", default="")
if DATABASES["migrator"]["ENGINE"].endswith("sqlite3"):
    DATABASES["migrator"].setdefault("TEST", {})["NAME"] = str(
        VAR_DIR / "test" / f"{_test_name or 'migrator'}-{os.getpid()}-dst.sqlite3"
    )
else:
    DATABASES["migrator"].setdefault("TEST", {})["NAME"] = (
        f"{_test_name or 'test_' + DATABASES['default']['NAME']}_dst"
    )
# Tests switch modes in the process (which refreshes at once) and move the clock for the TTL.
MIGRATOR_MODE_TTL = env.float("MIGRATOR_MODE_TTL", default=86400.0)  # longer than a run
MIGRATOR_START_EMPTY = True  # no other test sees the migrator read its table

# Tests read counts right after changing them; the tests of that tier turn it on themselves.
ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL = env.float(
    "ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL", default=0.0
)

# The WeChat simulator serves the suite: the SDK's HTTP calls to http://testserver are routed to
# the Django test client (tests/payments/wechat_http.py), so nothing leaves the process.
WECHAT_SIMULATOR_ENABLED = env.bool("WECHAT_SIMULATOR_ENABLED", default=True)
if WECHAT_SIMULATOR_ENABLED:
    from apps.wechat_sim.keys import merchant_settings

    INSTALLED_APPS = [*INSTALLED_APPS, "apps.wechat_sim"]
    globals().update(
        merchant_settings(directory=VAR_DIR / "wechat_sim", site_url="http://testserver")
    )

# The ORCID simulator serves the suite likewise: social-core's calls to http://testserver are
# answered by the test client (tests/wechat_sim/routing.py).
ORCID_SIMULATOR_ENABLED = env.bool("ORCID_SIMULATOR_ENABLED", default=True)
if ORCID_SIMULATOR_ENABLED:
    from apps.orcid_sim.config import orcid_settings

    INSTALLED_APPS = [*INSTALLED_APPS, "apps.orcid_sim"]
    globals().update(orcid_settings(site_url="http://testserver"))

# No test reaches Crossref: a DOI import that no stub answers meets a closed local port (503
# doi_registry_unavailable at once) instead of the internet.
ARTICLE_CROSSREF_BASE_URL = env.str("ARTICLE_CROSSREF_BASE_URL", default="http://127.0.0.1:9")
