from apps.search.checks import check_search_backend


def test_the_default_configuration_passes():
    assert check_search_backend() == []


def test_an_unknown_backend_is_an_error(settings):
    settings.SEARCH_BACKEND = "solr"

    assert [error.id for error in check_search_backend()] == ["search.E001"]


def test_elasticsearch_needs_its_url(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = ""

    assert [error.id for error in check_search_backend()] == ["search.E002"]
    settings.ELASTICSEARCH_URL = "http://search.internal:9200"
    assert check_search_backend() == []
