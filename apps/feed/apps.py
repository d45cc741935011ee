from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    label = "feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from apps.feed import consumers  # noqa: F401 - registers the event handlers
