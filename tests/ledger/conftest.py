from tests.articles.conftest import anonymous_client  # noqa: F401 - shared fixture
