"""Production: every secret comes from the environment, with no default.

A missing secret raises ``ImproperlyConfigured`` at start-up instead of running with a weak one.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# Tokens are signed with their own key, so rotating one secret does not rotate the other.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# WhiteNoise serves collectstatic's output (run it at build or before the first start).
STORAGES = STATIC_MANIFEST_STORAGES

# WeChat login needs its credentials and registered redirect page only when it is switched on.
WECHAT_STATE_COOKIE_SECURE = env.bool("WECHAT_STATE_COOKIE_SECURE", default=True)
# The local WeChat simulator signs with test keys anyone can regenerate: never in production.
if env.bool("WECHAT_SIMULATOR_ENABLED", default=False):
    raise ImproperlyConfigured("WECHAT_SIMULATOR_ENABLED is for local runs; production refuses it")
WECHAT_SIMULATOR_ENABLED = False
# The ORCID simulator's client secret is published: never in production.
if env.bool("ORCID_SIMULATOR_ENABLED", default=False):
    raise ImproperlyConfigured("ORCID_SIMULATOR_ENABLED is for local runs; production refuses it")
ORCID_SIMULATOR_ENABLED = False
ORCID_STATE_COOKIE_SECURE = env.bool("ORCID_STATE_COOKIE_SECURE", default=True)
if ORCID_LOGIN_ENABLED:
    ORCID_CLIENT_ID = SOCIAL_AUTH_ORCID_KEY = env.str("ORCID_CLIENT_ID")
    ORCID_CLIENT_SECRET = SOCIAL_AUTH_ORCID_SECRET = env.str("ORCID_CLIENT_SECRET")
    ORCID_REDIRECT_URI = env.str("ORCID_REDIRECT_URI")
# WeChat Pay: the merchant's credentials, required once payments are switched on.
if env.bool("WECHATPAY_ENABLED", default=False):
    WECHATPAY_MCHID = env.str("WECHATPAY_MCHID")
    WECHATPAY_APPID = env.str("WECHATPAY_APPID")
    WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY")
    WECHATPAY_PRIVATE_KEY_PATH = env.str("WECHATPAY_PRIVATE_KEY_PATH")
    WECHATPAY_NOTIFY_URL = env.str("WECHATPAY_NOTIFY_URL")
if WECHAT_LOGIN_ENABLED:
    WECHAT_APP_ID = SOCIAL_AUTH_WEIXIN_KEY = env.str("WECHAT_APP_ID")
    WECHAT_APP_SECRET = SOCIAL_AUTH_WEIXIN_SECRET = env.str("WECHAT_APP_SECRET")
    WECHAT_REDIRECT_URI = env.str("WECHAT_REDIRECT_URI")
