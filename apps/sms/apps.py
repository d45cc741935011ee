from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "apps.sms"
    label = "sms"
    verbose_name = "SMS"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from apps.sms import checks  # noqa: F401 - registers the deployment checks
        from apps.sms.services import forget_senders

        # The sender chain is built once per process from settings; tests that change them
        # get a chain built from the new values.
        setting_changed.connect(forget_senders, dispatch_uid="apps.sms.forget_senders")
