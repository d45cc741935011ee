"""What gets indexed for each document type, and the backend-neutral form of documents and
queries that every backend indexes and runs.

A document is ``(doc_type, doc_id, fields)``. Its text fields are analysed into two weighted
streams: ``primary`` (the name of the thing: an article's title, a user's nickname, a tag's
name) and ``secondary`` (everything else). Its scalar fields become exact-match ``keywords``
(``"author_id=12"``, ``"tags=deep learning"``), which is what filters match; a type may add
``audience`` keywords that say who may find a document. The original fields are stored as they
came, for rendering and highlighting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings

from apps.search.analysis import index_terms, normalize_keyword, terms

# Doc types name indexes (Elasticsearch) and keys (tantivy), so they use a safe alphabet.
DOC_TYPE = re.compile(r"[a-z][a-z0-9_]{0,31}")
DOC_ID_MAX_LENGTH = 128
# Longer keyword values are text, not identifiers; they are not offered as filters.
KEYWORD_MAX_LENGTH = 256
# Elasticsearch's default for multi-valued text; tantivy gets the same gap from us, so a phrase
# never matches across two values (the end of one tag and the start of the next).
POSITION_GAP = 100


@dataclass(frozen=True, slots=True)
class DocTypeSpec:
    primary: tuple[str, ...]
    secondary: tuple[str, ...] | None  # None: every other text field
    keywords: tuple[str, ...] | None  # None: every scalar field
    highlight: tuple[str, ...]
    # Fields longer than this are cut before indexing and storing (article bodies).
    long_text: tuple[str, ...] = ()
    # Who may find a document: "public", or "user:<id>" for one user only.
    audience: Callable[[Mapping[str, Any]], list[str]] | None = None


def _tag_audience(source: Mapping[str, Any]) -> list[str]:
    # Official tags are everyone's; a user's own tag is listed for that user only (as in
    # GET /api/v1/tags), though it shows on their published articles.
    if source.get("official") or source.get("owner_id") is None:
        return ["public"]
    return [f"user:{source['owner_id']}"]


SPECS: dict[str, DocTypeSpec] = {
    "article": DocTypeSpec(
        primary=("title",),
        secondary=("abstract", "text", "tags", "author_nickname"),
        keywords=("tags", "author_id"),
        highlight=("title", "abstract", "text"),
        long_text=("text",),
    ),
    "user": DocTypeSpec(
        primary=("nickname",), secondary=("about",), keywords=(), highlight=("nickname", "about")
    ),
    "tag": DocTypeSpec(
        primary=("name",),
        secondary=(),
        keywords=("official", "owner_id"),
        highlight=("name",),
        audience=_tag_audience,
    ),
}
# Documents other apps send with ``search.any``: every text field is searched.
DEFAULT_SPEC = DocTypeSpec(
    primary=("title", "name"), secondary=None, keywords=None, highlight=("title", "name")
)


def spec_for(doc_type: str) -> DocTypeSpec:
    return SPECS.get(doc_type, DEFAULT_SPEC)


class InvalidDocument(ValueError):
    """A document the index cannot take (bad doc type or id, fields that are not JSON values)."""


PositionedTerm = tuple[str, int]  # (term, position in the field's token stream)


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """A document analysed and ready for any backend."""

    doc_type: str
    doc_id: str
    primary: list[PositionedTerm]
    secondary: list[PositionedTerm]
    keywords: list[str]
    source: dict[str, Any]

    @property
    def key(self) -> str:
        return document_key(self.doc_type, self.doc_id)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A user's query as analysed terms; every term must match (AND)."""

    terms: list[str]
    # The query's token sequence, for the optional phrase boost; empty for one-token queries.
    phrase: list[str] = field(default_factory=list)
    # Filters: every group must match, by any one of its keywords.
    keywords: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def match_all(self) -> bool:
        return not self.terms


def document_key(doc_type: str, doc_id: str) -> str:
    return f"{doc_type}:{doc_id}"


def check_doc_type(doc_type: str) -> str:
    if not isinstance(doc_type, str) or not DOC_TYPE.fullmatch(doc_type):
        raise InvalidDocument(f"a doc type is [a-z][a-z0-9_]{{0,31}}, not {doc_type!r}")
    return doc_type


def check_doc_id(doc_id: object) -> str:
    doc_id = str(doc_id) if isinstance(doc_id, int) and not isinstance(doc_id, bool) else doc_id
    if not isinstance(doc_id, str) or not doc_id or len(doc_id) > DOC_ID_MAX_LENGTH:
        raise InvalidDocument(f"a doc id is a string of 1 to {DOC_ID_MAX_LENGTH} characters")
    return doc_id


def prepare_document(doc_type: str, doc_id: object, fields: Mapping[str, Any]) -> IndexDocument:
    check_doc_type(doc_type)
    doc_id = check_doc_id(doc_id)
    spec = spec_for(doc_type)
    source = _source(fields, spec)
    return IndexDocument(
        doc_type=doc_type,
        doc_id=doc_id,
        primary=_tokens(source, spec.primary),
        secondary=_tokens(source, _secondary_fields(source, spec)),
        keywords=_keywords(source, spec),
        source=source,
    )


def parse_query(text: str, *, filters: Mapping[str, object] | None = None) -> ParsedQuery:
    """The analysed form of a user's query: never a query-language string, so nothing the user
    types can inject a field, an operator or a syntax error.

    Every filter must match; a list value matches any of its items (``{"audience": ["public",
    "user:7"]}``).
    """
    tokens = index_terms(text)
    groups = []
    for name, value in sorted((filters or {}).items()):
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        groups.append(tuple(sorted({keyword(name, item) for item in values})))
    return ParsedQuery(terms=terms(text), phrase=tokens if len(tokens) > 1 else [], keywords=groups)


def keyword(name: str, value: object) -> str:
    return f"{name}={normalize_keyword(value)}"


def text_values(value: object) -> list[str]:
    """The strings of a field value: a string, or the strings of a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def _source(fields: Mapping[str, Any], spec: DocTypeSpec) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise InvalidDocument("fields must be an object")
    limit = settings.SEARCH_TEXT_MAX_CHARS
    source: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(name, str):
            raise InvalidDocument("field names are strings")
        value = _json_value(value)
        if name in spec.long_text and isinstance(value, str):
            value = value[:limit]
        source[name] = value
    return source


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    raise InvalidDocument(f"field values are JSON values, not {type(value).__name__}")


def _secondary_fields(source: Mapping[str, Any], spec: DocTypeSpec) -> tuple[str, ...]:
    if spec.secondary is not None:
        return spec.secondary
    return tuple(name for name in source if name not in spec.primary)


def _tokens(source: Mapping[str, Any], names: Iterable[str]) -> list[PositionedTerm]:
    """One token stream over several fields, with a position gap between values."""
    tokens: list[PositionedTerm] = []
    position = 0
    for name in names:
        for text in text_values(source.get(name)):
            found = index_terms(text)
            tokens.extend(zip(found, range(position, position + len(found)), strict=True))
            if found:
                position += len(found) + POSITION_GAP
    return tokens


def _keywords(source: Mapping[str, Any], spec: DocTypeSpec) -> list[str]:
    names = spec.keywords if spec.keywords is not None else tuple(source)
    found: list[str] = []
    for name in names:
        value = source.get(name)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, bool | int | str) or len(str(item)) > KEYWORD_MAX_LENGTH:
                continue
            if normalize_keyword(item):
                found.append(keyword(name, item))
    if spec.audience is not None:
        found += [keyword("audience", audience) for audience in spec.audience(source)]
    return list(dict.fromkeys(found))
