from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "scholarnet.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every app's event handlers live in its ``consumers`` module; importing them fills
        # the registry before the relay or a consumer runner looks anything up.
        autodiscover_modules("consumers")
