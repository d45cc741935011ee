"""Decorators around the providers. Each is an ``SmsSender`` wrapping another ``SmsSender``."""

from django.conf import settings


def redis_key(name: str) -> str:
    """A Redis key of the SMS layers, under the deployment's cache key prefix."""
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn"
    return f"{prefix}:sms:{name}"
