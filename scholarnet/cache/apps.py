from django.apps import AppConfig


class CacheConfig(AppConfig):
    name = "scholarnet.cache"
    label = "cache"
