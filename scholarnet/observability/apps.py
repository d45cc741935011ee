from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "scholarnet.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from scholarnet.observability import checks, task_context
        from scholarnet.observability.tracing import configure_tracing

        checks.register()
        task_context.connect()
        configure_tracing()
