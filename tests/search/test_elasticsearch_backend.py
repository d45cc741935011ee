"""The Elasticsearch backend without a server: its mapping, its queries, and how it drives the
client. The contract suite runs it against a real server when ELASTICSEARCH_URL is set."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, NotFoundError

from apps.search.backends import elasticsearch_backend as es_backend
from apps.search.backends import get_backend
from apps.search.backends.base import SearchUnavailable
from apps.search.backends.elasticsearch_backend import (
    WRITE_LOCK_NAME,
    ElasticsearchBackend,
    build_mapping,
    build_query,
    document_body,
)
from apps.search.documents import parse_query, prepare_document
from scholarnet.locks import RedisLock


def _meta(status: int) -> ApiResponseMeta:
    return ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=HttpHeaders(),
        duration=0.0,
        node=NodeConfig("http", "localhost", 9200),
    )


def not_found() -> NotFoundError:
    return NotFoundError("not found", _meta(404), {"found": False})


class FakeIndices:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def create(self, **kwargs: Any) -> None:
        self.client.calls.append(("indices.create", kwargs))
        if kwargs["index"] in self.client.existing:
            raise ApiError("resource_already_exists_exception", _meta(400), {"error": "exists"})
        self.client.existing.add(kwargs["index"])

    def refresh(self, **kwargs: Any) -> None:
        self.client.calls.append(("indices.refresh", kwargs))


class FakeResponse:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body


class FakeClient:
    """Records calls; answers searches with ``search_body`` and raises ``error`` if set."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.existing: set[str] = set()
        self.indices = FakeIndices(self)
        self.search_body: dict[str, Any] = {"hits": {"total": {"value": 0}, "hits": []}}
        self.error: Exception | None = None

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((name, kwargs))
        if self.error is not None:
            raise self.error

    def search(self, **kwargs: Any) -> FakeResponse:
        self._call("search", kwargs)
        return FakeResponse(self.search_body)

    def delete(self, **kwargs: Any) -> None:
        self._call("delete", kwargs)

    def delete_by_query(self, **kwargs: Any) -> dict[str, Any]:
        self._call("delete_by_query", kwargs)
        return {"deleted": 0}

    def get(self, **kwargs: Any) -> dict[str, Any]:
        self._call("get", kwargs)
        return {"_source": {"source": {"name": "nlp"}}}


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def backend(db, client) -> ElasticsearchBackend:
    return ElasticsearchBackend(index_prefix="sn-", client=client)  # type: ignore[arg-type]


def test_the_mapping_indexes_pre_analysed_terms_and_keeps_the_source_unindexed():
    assert build_mapping() == {
        "dynamic": "strict",
        "properties": {
            "doc_id": {"type": "keyword"},
            "primary": {"type": "text", "analyzer": "whitespace"},
            "secondary": {"type": "text", "analyzer": "whitespace"},
            "keywords": {"type": "keyword"},
            "source": {"type": "object", "enabled": False},
            "stamp": {"type": "long"},
        },
    }


def test_the_query_requires_every_term_in_either_field_and_every_filter():
    query = build_query(parse_query("Attention 注意力", filters={"tags": "NLP"}))

    def either(term: str) -> dict[str, Any]:
        return {
            "bool": {
                "should": [
                    {"term": {"primary": {"value": term, "boost": 3.0}}},
                    {"term": {"secondary": {"value": term}}},
                ],
                "minimum_should_match": 1,
            }
        }

    assert query.to_dict() == {
        "bool": {
            "must": [either("attent"), either("注意"), either("意力")],
            "should": [
                {"match_phrase": {"primary": {"query": "attent 注意 意力", "boost": 6.0}}},
                {"match_phrase": {"secondary": {"query": "attent 注意 意力"}}},
            ],
            "filter": [{"term": {"keywords": "tags=nlp"}}],
        }
    }


def test_a_filter_with_several_values_is_a_terms_filter():
    query = build_query(parse_query("", filters={"audience": ["public", "user:7"]}))

    assert query.to_dict() == {
        "bool": {"filter": [{"terms": {"keywords": ["audience=public", "audience=user:7"]}}]}
    }


def test_a_one_word_query_has_no_phrase_and_no_terms_match_everything():
    assert "should" not in build_query(parse_query("graphs")).to_dict()["bool"]
    assert build_query(parse_query("")).to_dict() == {"match_all": {}}
    assert build_query(parse_query("", filters={"author_id": 3})).to_dict() == {
        "bool": {"filter": [{"term": {"keywords": "author_id=3"}}]}
    }


def test_the_document_body_keeps_each_original_value_a_separate_string():
    document = prepare_document(
        "article", "9", {"title": "Graph Learning", "tags": ["Deep Learning", "NLP"], "n": 1}
    )

    assert document_body(document, stamp=123) == {
        "doc_id": "9",
        "primary": ["graph learn"],
        "secondary": ["deep learn", "nlp"],
        "keywords": ["tags=deep learning", "tags=nlp"],
        "source": {"title": "Graph Learning", "tags": ["Deep Learning", "NLP"], "n": 1},
        "stamp": 123,
    }


def test_upserts_create_the_index_once_and_send_one_bulk_request(backend, client, monkeypatch):
    sent: list[list[dict[str, Any]]] = []
    monkeypatch.setattr(es_backend.helpers, "bulk", lambda _client, actions: sent.append(actions))
    client.existing.add("sn-tag")  # created earlier by another process

    backend.upsert_many("article", [("1", {"title": "A"}), ("2", {"title": "B"})])
    backend.upsert("article", "3", {"title": "C"})
    backend.upsert("tag", "1", {"name": "nlp"})

    creates = [call for call in client.calls if call[0] == "indices.create"]
    assert [call[1]["index"] for call in creates] == ["sn-article", "sn-tag"]
    assert creates[0][1]["mappings"] == build_mapping()
    assert [[(a["_index"], a["_id"]) for a in actions] for actions in sent] == [
        [("sn-article", "1"), ("sn-article", "2")],
        [("sn-article", "3")],
        [("sn-tag", "1")],
    ]
    assert sent[0][0]["_op_type"] == "index"
    assert sent[0][0]["_source"]["primary"] == ["a"]


def test_search_sends_the_query_and_reads_hits_with_highlights(backend, client):
    client.search_body = {
        "hits": {
            "total": {"value": 41},
            "hits": [
                {
                    "_index": "sn-article",
                    "_id": "7",
                    "_score": 2.5,
                    "_source": {"doc_id": "7", "source": {"title": "Graph <b>Learning</b>"}},
                }
            ],
        }
    }

    page = backend.search("article", "learning", offset=20, limit=10)

    assert page.total == 41
    [hit] = page.hits
    assert (hit.doc_id, hit.score, hit.fields) == ("7", 2.5, {"title": "Graph <b>Learning</b>"})
    assert hit.highlights == {"title": "Graph &lt;b&gt;<mark>Learning</mark>&lt;/b&gt;"}
    [(name, call)] = client.calls
    assert name == "search"
    assert call["index"] == ["sn-article"]
    assert call["body"]["from"] == 20
    assert call["body"]["size"] == 10
    assert call["body"]["track_total_hits"] is True
    assert call["body"]["_source"] == ["doc_id", "source"]


def test_a_type_without_an_index_has_no_results_and_nothing_to_delete(backend, client):
    client.error = not_found()

    assert backend.search("article", "learning").total == 0
    backend.delete("article", "1")
    backend.clear("article")
    assert [name for name, _ in client.calls] == ["search", "delete", "delete_by_query"]


def test_stale_documents_are_deleted_by_their_stamp(backend, client):
    backend.delete_stale("article", before=1_000)

    [(name, call)] = client.calls
    assert name == "delete_by_query"
    assert call["index"] == ["sn-article"]
    assert call["body"] == {"query": {"range": {"stamp": {"lt": 1000}}}}
    assert call["conflicts"] == "proceed"


def test_get_returns_the_stored_fields(backend, client):
    assert backend.get("tag", "1") == {"name": "nlp"}
    client.error = not_found()
    assert backend.get("tag", "2") is None


def test_an_unreachable_server_is_a_503(backend, client):
    client.error = TransportConnectionError("connection refused")

    with pytest.raises(SearchUnavailable) as raised:
        backend.search("article", "learning")

    assert raised.value.status_code == 503
    assert raised.value.code == "search_unavailable"


def test_a_write_session_holds_the_shared_redis_lock(backend):
    other_node = RedisLock(WRITE_LOCK_NAME, ttl_seconds=5, auto_refresh=False)

    with backend.session():
        with backend.session():  # nested: joins, no second acquisition
            assert not other_node.acquire()
        assert not other_node.acquire()

    assert other_node.acquire()
    other_node.release()


def test_a_write_session_gives_up_when_another_node_keeps_the_lock(db, client):
    backend = ElasticsearchBackend(client=client, lock_timeout=0.2)  # type: ignore[arg-type]
    other_node = RedisLock(WRITE_LOCK_NAME, ttl_seconds=5, auto_refresh=False)
    assert other_node.acquire()

    with pytest.raises(SearchUnavailable), backend.session():
        pass

    other_node.release()


def test_settings_select_the_elasticsearch_backend(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://search.internal:9200"
    settings.SEARCH_ES_INDEX_PREFIX = "prod-"

    backend = get_backend()

    assert isinstance(backend, ElasticsearchBackend)
    assert backend.index_name("article") == "prod-article"


def test_the_indexes_are_django_elasticsearch_dsl_documents_without_autosync():
    from django.apps import apps as django_apps
    from django_elasticsearch_dsl.apps import DEDConfig
    from django_elasticsearch_dsl.registries import registry
    from django_elasticsearch_dsl.signals import BaseSignalProcessor

    from apps.articles.models import PublishedArticle
    from apps.search.es_documents import SEARCH_DOCUMENTS
    from apps.tags.models import Tag

    models = {doc_type: document.django.model for doc_type, document in SEARCH_DOCUMENTS.items()}
    assert models == {"article": PublishedArticle, "user": get_user_model(), "tag": Tag}
    assert set(SEARCH_DOCUMENTS.values()) <= set(registry.get_documents())
    prefix = settings.SEARCH_ES_INDEX_PREFIX  # what manage.py search_index --create makes
    expected = {f"{prefix}article", f"{prefix}user", f"{prefix}tag"}
    assert expected <= {str(index) for index in registry.get_indices()}
    assert DEDConfig.autosync_enabled() is False
    # No model signal is connected: indexing is the search consumer's, driven by events.
    processor = django_apps.get_app_config("django_elasticsearch_dsl").signal_processor
    assert type(processor) is BaseSignalProcessor


def test_the_model_to_document_path_of_the_library_is_closed(db):
    from apps.search.es_documents import SEARCH_DOCUMENTS

    document = SEARCH_DOCUMENTS["article"]()
    assert list(document.get_queryset()) == []
    with pytest.raises(NotImplementedError, match="search_reindex"):
        document.prepare(None)


def test_a_bulk_action_is_the_document_class_rendering_the_body(backend, client, monkeypatch):
    sent: list[list[dict[str, Any]]] = []
    monkeypatch.setattr(es_backend.helpers, "bulk", lambda _client, actions: sent.append(actions))

    backend.upsert("user", "7", {"nickname": "Ada Lovelace"})

    ((action,),) = sent
    assert (action["_op_type"], action["_index"], action["_id"]) == ("index", "sn-user", "7")
    assert set(action["_source"]) == {
        "doc_id",
        "primary",
        "secondary",
        "keywords",
        "source",
        "stamp",
    }
    assert action["_source"]["doc_id"] == "7"
    creates = [call for call in client.calls if call[0] == "indices.create"]
    assert creates[0][1]["mappings"] == build_mapping()
