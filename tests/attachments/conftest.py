from __future__ import annotations

import pytest

from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    author_client,
    reader,
    reader_client,
)
from tests.articles.factories import published_article


@pytest.fixture(autouse=True)
def _attachments_storage(settings, tmp_path):
    """Files of each test under its own directory; a fresh tantivy index for search."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        },
    }
    settings.SEARCH_BACKEND = "tantivy"
    settings.SEARCH_TANTIVY_PATH = tmp_path / "search"
    settings.SEARCH_WRITE_LOCK_TIMEOUT = 5.0


@pytest.fixture
def article(author):  # noqa: F811 - the imported fixture, by name
    return published_article(author=author)
