from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "scholarnet.api"
    label = "api"
    verbose_name = "API kernel"
