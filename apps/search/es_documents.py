"""The Elasticsearch documents and indexes, declared with django-elasticsearch-dsl.

One index per document type (``article``, ``user``, ``tag``), each with one
:class:`SearchDocument` subclass bound to the model it describes, so ``manage.py search_index
--create/--delete/--list`` manage the same indexes the backend writes. Indexing stays
event-driven: autosync is off (``ELASTICSEARCH_DSL_AUTOSYNC = False``, and the no-op signal
processor connects no model signals), documents arrive already analysed from the search
consumer (:mod:`apps.search.analysis`), and ``manage.py search_reindex`` rebuilds them from the
database. So django-elasticsearch-dsl's own model-to-document path (``prepare``, ``--populate``)
is closed: ``get_queryset`` is empty, ``prepare`` refuses.

The mapping indexes the term streams with the ``whitespace`` analyzer, which only splits on the
spaces the analysis put between terms, so Elasticsearch matches exactly the terms tantivy
matches; the original fields are kept in ``source`` (in ``_source``, not indexed).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django_elasticsearch_dsl import Document, Index, fields
from elasticsearch.dsl import MetaField, Object

from apps.articles.models import PublishedArticle
from apps.tags.models import Tag


class SearchDocument(Document):
    """Fields every document type shares (the contract of ``apps.search.documents``)."""

    doc_id = fields.KeywordField()
    primary = fields.TextField(analyzer="whitespace")
    secondary = fields.TextField(analyzer="whitespace")
    keywords = fields.KeywordField()
    source = Object(enabled=False)
    stamp = fields.LongField()

    class Meta:
        dynamic = MetaField("strict")

    def get_queryset(self) -> QuerySet[Any]:
        return self.django.model._default_manager.none()  # type: ignore[attr-defined, no-any-return]

    def prepare(self, instance: Model) -> dict[str, Any]:
        raise NotImplementedError(
            "Search documents are analysed by the search app; run manage.py search_reindex."
        )


def _document(doc_type: str, model: type[Model]) -> type[SearchDocument]:
    meta = type("Django", (), {"model": model, "ignore_signals": True, "auto_refresh": False})
    name = f"{doc_type.capitalize()}SearchDocument"
    document = type(name, (SearchDocument,), {"Django": meta, "__module__": __name__})
    index = Index(f"{settings.SEARCH_ES_INDEX_PREFIX}{doc_type}")
    return index.document(document)  # which also registers it with django-elasticsearch-dsl


SEARCH_DOCUMENTS: dict[str, type[SearchDocument]] = {
    "article": _document("article", PublishedArticle),
    "user": _document("user", get_user_model()),
    "tag": _document("tag", Tag),
}


def search_index(doc_type: str, *, name: str) -> Index:
    """The index of ``doc_type`` (its settings and its document's mapping) under ``name``."""
    return SEARCH_DOCUMENTS[doc_type]._index.clone(name=name)


def search_action(
    doc_type: str, *, index: str, doc_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """A bulk ``index`` action: ``body`` serialised field by field by the document's mapping.

    Every declared field is sent, empty lists included (a missing one is a KeyError here, not a
    strict-mapping rejection later).
    """
    mapping = SEARCH_DOCUMENTS[doc_type]._doc_type.mapping
    source = {name: mapping[name].serialize(body[name], skip_empty=False) for name in mapping}
    return {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source}


def search_mapping() -> dict[str, Any]:
    """The mapping every index shares (the same for each document type)."""
    return SEARCH_DOCUMENTS["article"]._doc_type.mapping.to_dict()  # type: ignore[no-any-return]
