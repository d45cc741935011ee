"""The contract every search backend keeps: tantivy always, Elasticsearch with ELASTICSEARCH_URL.

The same assertions run against each backend, so matching (analysis, AND semantics, filters),
paging and highlighting are proven identical, not just similar.
"""

from __future__ import annotations

import pytest

from apps.search.backends.base import now_stamp
from tests.search.support import found

ARTICLE = {
    "title": "Attention Is All You Need",
    "abstract": "We propose the Transformer, based solely on attention mechanisms.",
    "text": "Recurrent models are replaced by self-attention. 我们研究注意力机制和深度学习。",
    "tags": ["Deep Learning", "NLP"],
    "author_id": 7,
    "author_nickname": "Ashish",
    "published_at": "2017-06-12T00:00:00+00:00",
}


def article(**changes):
    return {**ARTICLE, **changes}


def test_an_upserted_document_is_found_with_its_fields(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.refresh()

    page = search_backend.search("article", "transformer")

    assert page.total == 1
    [hit] = page.hits
    assert hit.doc_id == "1"
    assert hit.score > 0
    assert hit.fields == ARTICLE


def test_english_is_matched_by_stem_and_case_insensitively(search_backend):
    search_backend.upsert("article", "1", article(title="Learning to Rank"))

    for query in ("learning", "LEARNED", "learns", "RANKING"):
        assert found(search_backend, "article", query) == ["1"], query


def test_two_character_chinese_words_match_inside_longer_text(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.upsert("article", "2", article(text="学到了许多习惯", title="Other"))

    assert found(search_backend, "article", "学习") == ["1"]
    assert found(search_backend, "article", "注意力") == ["1"]
    assert found(search_backend, "article", "深度学习") == ["1"]
    assert found(search_backend, "article", "机制") == ["1"]
    assert found(search_backend, "article", "意机") == []  # not adjacent in the text


def test_every_query_term_must_match(search_backend):
    search_backend.upsert("article", "1", article(title="Graph neural networks", text=""))
    search_backend.upsert("article", "2", article(title="Graph theory", text=""))

    assert found(search_backend, "article", "graph") == ["1", "2"] or set(
        found(search_backend, "article", "graph")
    ) == {"1", "2"}
    assert found(search_backend, "article", "graph neural") == ["1"]
    assert found(search_backend, "article", "graph chemistry") == []


def test_a_title_match_ranks_above_a_body_match(search_backend):
    search_backend.upsert("article", "body", article(title="Notes", text="spectral clustering"))
    search_backend.upsert("article", "title", article(title="Spectral clustering", text="notes"))

    assert found(search_backend, "article", "spectral clustering") == ["title", "body"]


def test_the_exact_phrase_ranks_above_scattered_words(search_backend):
    search_backend.upsert(
        "article", "scattered", article(title="Clustering", abstract="spectral notes", text="")
    )
    search_backend.upsert(
        "article", "phrase", article(title="Clustering", abstract="notes spectral", text="")
    )

    assert found(search_backend, "article", "notes spectral") == ["phrase", "scattered"]


def test_upsert_replaces_the_document(search_backend):
    search_backend.upsert("article", "1", article(title="Old title about graphs"))
    search_backend.upsert("article", "1", article(title="New title about solvers"))

    assert found(search_backend, "article", "graphs") == []
    assert found(search_backend, "article", "solvers") == ["1"]
    assert search_backend.search("article", "title").total == 1
    assert search_backend.get("article", "1")["title"] == "New title about solvers"


def test_delete_removes_the_document_and_tolerates_a_missing_one(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.upsert("article", "2", ARTICLE)

    search_backend.delete("article", "1")
    search_backend.delete("article", "404")
    search_backend.delete("never_indexed", "1")

    assert found(search_backend, "article", "transformer") == ["2"]
    assert search_backend.get("article", "1") is None


def test_doc_types_are_separate(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.upsert("user", "1", {"nickname": "Transformer fan", "about": ""})

    assert found(search_backend, "user", "transformer") == ["1"]
    search_backend.delete("user", "1")
    assert found(search_backend, "article", "transformer") == ["1"]
    assert found(search_backend, "user", "transformer") == []
    assert found(search_backend, "tag", "transformer") == []  # a type never indexed


def test_filters_match_keywords_exactly_and_case_insensitively(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.upsert("article", "2", article(tags=["Deep"], author_id=8))

    assert found(search_backend, "article", "attention", filters={"tags": "deep learning"}) == ["1"]
    assert found(search_backend, "article", "attention", filters={"tags": "NLP"}) == ["1"]
    assert found(search_backend, "article", "attention", filters={"tags": "deep"}) == ["2"]
    assert found(search_backend, "article", "attention", filters={"author_id": 8}) == ["2"]
    assert (
        found(search_backend, "article", "attention", filters={"author_id": 7, "tags": "deep"})
        == []
    )


def test_a_filter_with_several_values_matches_any_of_them(search_backend):
    search_backend.upsert("tag", "1", {"name": "graphs", "official": True, "owner_id": None})
    search_backend.upsert("tag", "2", {"name": "graphs", "official": False, "owner_id": 7})
    search_backend.upsert("tag", "3", {"name": "graphs", "official": False, "owner_id": 8})

    mine = found(search_backend, "tag", "graphs", filters={"audience": ["public", "user:7"]})
    public = found(search_backend, "tag", "graphs", filters={"audience": ["public"]})

    assert sorted(mine) == ["1", "2"]
    assert public == ["1"]


def test_pages_are_disjoint_and_cover_every_match(search_backend):
    search_backend.upsert_many(
        "article", [(str(number), article(title=f"Solver {number}")) for number in range(7)]
    )
    search_backend.refresh()

    pages = [
        search_backend.search("article", "solver", offset=offset, limit=3)
        for offset in (0, 3, 6, 9)
    ]

    assert [page.total for page in pages] == [7, 7, 7, 7]
    ids = [[hit.doc_id for hit in page.hits] for page in pages]
    assert [len(page) for page in ids] == [3, 3, 1, 0]
    assert sorted(doc_id for page in ids for doc_id in page) == [str(number) for number in range(7)]


def test_highlights_mark_matches_and_escape_the_rest(search_backend):
    search_backend.upsert(
        "article",
        "1",
        article(
            title="<script>alert('x')</script> Attention",
            abstract="Self-attention & <b>heads</b>",
            text="我们研究注意力机制",
        ),
    )
    search_backend.refresh()

    [hit] = search_backend.search("article", "attention heads 注意力").hits

    assert hit.highlights == {
        "title": "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>Attention</mark>",
        "abstract": "Self-<mark>attention</mark> &amp; &lt;b&gt;<mark>heads</mark>&lt;/b&gt;",
        "text": "我们研究<mark>注意力</mark>机制",
    }
    assert "<script>" not in str(hit.highlights)


@pytest.mark.parametrize(
    "query",
    ['secret"', "(secret", "secret*", "+secret", "-secret", "secret~", "secret^", "\\secret/"],
)
def test_query_operators_are_plain_punctuation(search_backend, query):
    search_backend.upsert("article", "1", {"title": "Secret"})

    assert found(search_backend, "article", query) == ["1"]


@pytest.mark.parametrize(
    "query", ["title:secret", "secret OR public", "secret AND missing", "secret NOT"]
)
def test_query_words_are_never_fields_or_operators(search_backend, query):
    search_backend.upsert("article", "1", {"title": "Secret"})

    assert found(search_backend, "article", query) == []


def test_a_query_without_terms_lists_every_document_of_the_filter(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.upsert("article", "2", article(author_id=9))
    search_backend.refresh()

    assert sorted(search_backend.iter_ids("article", filters={"author_id": 7})) == ["1"]
    assert search_backend.search("article", "").total == 2


def test_clear_removes_one_type_only(search_backend):
    search_backend.upsert("article", "1", ARTICLE)
    search_backend.upsert("tag", "1", {"name": "transformer", "official": True})

    search_backend.clear("article")

    assert found(search_backend, "article", "transformer") == []
    assert found(search_backend, "tag", "transformer") == ["1"]


def test_delete_stale_removes_documents_written_before_the_stamp(search_backend):
    search_backend.upsert("article", "old", ARTICLE)
    search_backend.upsert("tag", "old", {"name": "transformer"})
    stamp = now_stamp() + 1
    while now_stamp() < stamp:
        pass
    search_backend.upsert("article", "new", ARTICLE)

    search_backend.delete_stale("article", before=stamp)

    assert found(search_backend, "article", "transformer") == ["new"]
    assert found(search_backend, "tag", "transformer") == ["old"]


def test_writes_in_one_session_are_applied_together(search_backend):
    with search_backend.session():
        search_backend.upsert("article", "1", ARTICLE)
        with search_backend.session():  # nested sessions join the outer one
            search_backend.upsert("article", "2", ARTICLE)
        search_backend.delete("article", "1")

    assert found(search_backend, "article", "transformer") == ["2"]


def test_stored_fields_round_trip(search_backend):
    fields = {"name": "图神经网络", "official": True, "owner_id": None, "n": 1.5, "xs": [1, "a"]}
    search_backend.upsert("tag", "5", fields)
    search_backend.refresh()

    assert search_backend.get("tag", "5") == fields
    assert search_backend.get("tag", "6") is None
