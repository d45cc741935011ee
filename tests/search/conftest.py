"""Fixtures of the search tests: a fresh index per test, and the contract's backends.

Every test gets a tantivy index of its own under ``tmp_path``. ``search_backend`` is
parametrised over the backends: tantivy always, Elasticsearch when ``ELASTICSEARCH_URL`` is set
(marker ``elasticsearch``), each test with indexes of its own prefix, deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from apps.search.backends import SearchBackend, get_backend


@pytest.fixture(autouse=True)
def _search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "tantivy"
    settings.SEARCH_TANTIVY_PATH = tmp_path / "search"
    settings.SEARCH_WRITE_LOCK_TIMEOUT = 5.0


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def search_backend(request, settings) -> Iterator[SearchBackend]:
    """The configured backend, as the services get it; the test's data only."""
    if request.param == "elasticsearch":
        settings.SEARCH_BACKEND = "elasticsearch"
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.SEARCH_ES_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:12]}-"
    backend = get_backend()
    yield backend
    if request.param == "elasticsearch":
        # By name: Elasticsearch 8 refuses wildcard deletes (action.destructive_requires_name).
        client = backend.client  # type: ignore[attr-defined]
        names = list(client.indices.get(index=f"{settings.SEARCH_ES_INDEX_PREFIX}*"))
        if names:
            client.indices.delete(index=",".join(names))
