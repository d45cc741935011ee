from django.apps import AppConfig


class OrcidSimConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.orcid_sim"
    label = "orcid_sim"
    verbose_name = "ORCID simulator (local only)"
