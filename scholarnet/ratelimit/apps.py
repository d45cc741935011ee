from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RatelimitConfig(AppConfig):
    name = "scholarnet.ratelimit"
    label = "ratelimit"

    def ready(self) -> None:
        # Each app declares its per-action limits in its own ``rates`` module (as admin finds
        # ``admin`` modules), so a scope named by a string is known before the first request.
        autodiscover_modules("rates")
