from django.apps import AppConfig


class RatelimitConfig(AppConfig):
    name = "scholarnet.ratelimit"
    label = "ratelimit"
