from datetime import UTC, datetime

import pytest

from apps.search.documents import (
    POSITION_GAP,
    InvalidDocument,
    parse_query,
    prepare_document,
)


def test_an_article_is_split_into_weighted_streams_keywords_and_its_source():
    published_at = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)

    document = prepare_document(
        "article",
        42,
        {
            "title": "Graph Learning",
            "abstract": "Spectral methods",
            "text": "学习",
            "tags": ["Deep Learning", "NLP"],
            "author_id": 7,
            "author_nickname": "Ada",
            "published_at": published_at,
        },
    )

    assert document.key == "article:42"
    assert [term for term, _ in document.primary] == ["graph", "learn"]
    assert [term for term, _ in document.secondary] == [
        "spectral",
        "method",
        "学习",
        "deep",
        "learn",
        "nlp",
        "ada",
    ]
    assert document.keywords == ["tags=deep learning", "tags=nlp", "author_id=7"]
    assert document.source["published_at"] == "2025-03-01T08:30:00+00:00"


def test_values_are_separated_by_a_position_gap():
    document = prepare_document("article", "1", {"tags": ["graph theory", "learning"]})

    assert document.secondary == [
        ("graph", 0),
        ("theori", 1),
        ("learn", 2 + POSITION_GAP),
    ]


def test_article_text_is_cut_to_the_configured_length(settings):
    settings.SEARCH_TEXT_MAX_CHARS = 10

    document = prepare_document("article", "1", {"text": "abcdefghij klmnop"})

    assert document.source["text"] == "abcdefghij"
    assert [term for term, _ in document.secondary] == ["abcdefghij"]


def test_any_document_searches_every_text_field_and_filters_on_every_scalar():
    document = prepare_document(
        "comment", "c-1", {"title": "Hi", "body": "Nice proof", "score": 3, "hidden": False}
    )

    assert [term for term, _ in document.primary] == ["hi"]
    assert [term for term, _ in document.secondary] == ["nice", "proof"]
    assert document.keywords == ["title=hi", "body=nice proof", "score=3", "hidden=false"]


@pytest.mark.parametrize(
    ("doc_type", "doc_id", "fields"),
    [
        ("Article", "1", {}),
        ("a-b", "1", {}),
        ("", "1", {}),
        ("note", "", {}),
        ("note", "x" * 129, {}),
        ("note", None, {}),
        ("note", "1", {"when": object()}),
        ("note", "1", ["not", "a", "dict"]),
    ],
)
def test_invalid_documents_are_refused(doc_type, doc_id, fields):
    with pytest.raises(InvalidDocument):
        prepare_document(doc_type, doc_id, fields)


def test_a_query_is_terms_a_phrase_and_filter_keywords():
    parsed = parse_query("Attention heads 注意力", filters={"tags": "NLP", "author_id": 3})

    assert parsed.terms == ["attent", "head", "注意", "意力"]
    assert parsed.phrase == ["attent", "head", "注意", "意力"]
    assert parsed.keywords == [("author_id=3",), ("tags=nlp",)]


def test_a_filter_with_several_values_matches_any_of_them():
    parsed = parse_query("x", filters={"audience": ["user:7", "public"], "official": True})

    assert parsed.keywords == [("audience=public", "audience=user:7"), ("official=true",)]


def test_tags_say_who_may_find_them():
    official = prepare_document("tag", "1", {"name": "NLP", "official": True, "owner_id": None})
    own = prepare_document("tag", "2", {"name": "mine", "official": False, "owner_id": 7})

    assert official.keywords == ["official=true", "audience=public"]
    assert own.keywords == ["official=false", "owner_id=7", "audience=user:7"]


def test_query_syntax_is_just_text():
    parsed = parse_query('title:secret OR "x" AND -y*')

    assert parsed.terms == ["titl", "secret", "or", "x", "and", "y"]
    assert parse_query("one").phrase == []
