from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # checks: the configuration checks (backend name, Elasticsearch URL). es_documents: the
        # Elasticsearch documents, registered with django-elasticsearch-dsl so its search_index
        # command manages the indexes the backend writes (it autodiscovers only modules named
        # documents.py, and apps.search.documents is the search contract).
        from apps.search import checks, es_documents  # noqa: F401
