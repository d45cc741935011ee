from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Registers the configuration checks (backend name, Elasticsearch URL).
        from apps.search import checks  # noqa: F401
