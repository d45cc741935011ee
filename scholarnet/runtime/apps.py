from django.apps import AppConfig
from django.conf import settings


class RuntimeConfig(AppConfig):
    name = "scholarnet.runtime"
    label = "runtime"
    verbose_name = "Runtime"

    def ready(self) -> None:
        if settings.EMBEDDED_REDIS:
            from scholarnet.runtime.redis_server import ensure_embedded_redis

            ensure_embedded_redis()
