"""The configured search backend: ``get_backend()``.

``SEARCH_BACKEND`` picks it: ``tantivy`` (an index under ``SEARCH_TANTIVY_PATH``, the embedded
default) or ``elasticsearch`` (``ELASTICSEARCH_URL``). One instance per process and
configuration: a forked worker builds its own (a tantivy index handle is not shared across a
fork), and a test that changes the settings gets a fresh one.
"""

from __future__ import annotations

import os
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.search.backends.base import Hit, SearchBackend, SearchPage, SearchUnavailable

__all__ = ["Hit", "SearchBackend", "SearchPage", "SearchUnavailable", "get_backend"]

BACKENDS = ("tantivy", "elasticsearch")

_lock = threading.Lock()
_cache: dict[tuple[object, ...], SearchBackend] = {}


def get_backend() -> SearchBackend:
    key = _configuration()
    backend = _cache.get(key)
    if backend is None:
        with _lock:
            backend = _cache.get(key)
            if backend is None:
                _cache.clear()  # one live backend per process: drop a stale configuration's
                backend = _cache[key] = _build(settings.SEARCH_BACKEND)
    return backend


def _configuration() -> tuple[object, ...]:
    return (
        os.getpid(),
        settings.SEARCH_BACKEND,
        str(settings.SEARCH_TANTIVY_PATH),
        settings.ELASTICSEARCH_URL,
        settings.SEARCH_ES_INDEX_PREFIX,
    )


def _build(name: str) -> SearchBackend:
    if name == "tantivy":
        from apps.search.backends.tantivy_backend import TantivyBackend

        return TantivyBackend(
            settings.SEARCH_TANTIVY_PATH,
            writer_heap_bytes=settings.SEARCH_TANTIVY_WRITER_HEAP_BYTES,
            lock_timeout=settings.SEARCH_WRITE_LOCK_TIMEOUT,
        )
    if name == "elasticsearch":
        from apps.search.backends.elasticsearch_backend import ElasticsearchBackend

        if not settings.ELASTICSEARCH_URL:
            raise ImproperlyConfigured("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
        return ElasticsearchBackend(
            settings.ELASTICSEARCH_URL,
            index_prefix=settings.SEARCH_ES_INDEX_PREFIX,
            timeout=settings.SEARCH_ES_TIMEOUT,
            lock_timeout=settings.SEARCH_WRITE_LOCK_TIMEOUT,
        )
    raise ImproperlyConfigured(f"SEARCH_BACKEND is one of {', '.join(BACKENDS)}, not {name!r}")
