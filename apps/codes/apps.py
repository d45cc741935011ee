from django.apps import AppConfig


class CodesConfig(AppConfig):
    name = "apps.codes"
    label = "codes"
    verbose_name = "Verification codes"
