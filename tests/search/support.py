"""Helpers of the search tests."""

from __future__ import annotations

from apps.search.backends import SearchBackend


def found(backend: SearchBackend, doc_type: str, query: str, **options) -> list[str]:
    """The ids a search returns, after making every write visible."""
    backend.refresh()
    return [hit.doc_id for hit in backend.search(doc_type, query, **options).hits]
