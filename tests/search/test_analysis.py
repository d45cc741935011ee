import pytest

from apps.search.analysis import MAX_TOKEN_CHARS, analyze, index_terms, normalize_keyword, terms


def tokens(text: str) -> list[str]:
    return [token.term for token in analyze(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Learning", ["learn"]),
        ("LEARNING learned learns", ["learn", "learn", "learn"]),
        ("Running DOGS", ["run", "dog"]),
        ("studies study", ["studi", "studi"]),
        ("Transformers, attention!", ["transform", "attent"]),
        ("GPT-4 in 2024", ["gpt", "4", "in", "2024"]),
        ("snake_case", ["snake", "case"]),
    ],
)
def test_english_is_case_folded_and_stemmed(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("学习", ["学习"]),
        ("注意力", ["注意", "意力"]),
        ("深度学习", ["深度", "度学", "学习"]),
        ("学", ["学"]),
        ("我 爱", ["我", "爱"]),
        ("机器学习\uff0c注意力\u3002", ["机器", "器学", "学习", "注意", "意力"]),
    ],
)
def test_chinese_runs_become_overlapping_bigrams(text, expected):
    assert tokens(text) == expected


def test_mixed_scripts_split_at_the_script_boundary():
    assert tokens("BERT模型的Attention") == ["bert", "模型", "型的", "attent"]


def test_full_width_text_is_folded_to_its_plain_form():
    assert tokens("\uff22\uff25\uff32\uff34 \uff21\uff29")  # full-width "BERT AI" == ["bert", "ai"]


def test_tokens_keep_positions_and_offsets_into_the_original_text():
    analysed = analyze("Deep 学习方法")

    assert [(t.term, t.position, t.start, t.end) for t in analysed] == [
        ("deep", 0, 0, 4),
        ("学习", 1, 5, 7),
        ("习方", 2, 6, 8),
        ("方法", 3, 7, 9),
    ]


def test_overlong_tokens_are_dropped():
    assert tokens("a" * (MAX_TOKEN_CHARS + 1) + " b" + " c" * 1) == ["b", "c"]
    assert tokens("a" * MAX_TOKEN_CHARS) == ["a" * MAX_TOKEN_CHARS]


def test_punctuation_and_markup_characters_are_not_tokens():
    assert tokens("<script>alert('x')</script> && || ! * ?") == [
        "script",
        "alert",
        "x",
        "script",
    ]
    assert tokens("!!! ... ---") == []


def test_query_terms_are_distinct_in_first_appearance_order():
    assert terms("learning to learn 学习 学习") == ["learn", "to", "学习"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Deep Learning ", "deep learning"),
        ("\uff2e\uff2c\uff30", "nlp"),
        (12, "12"),
        (True, "true"),
    ],
)
def test_keywords_are_case_and_width_folded_but_not_stemmed(value, expected):
    assert normalize_keyword(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Learning to Rank, GPT-4 (2024)",
        "深度学习Transformer模型 注意力",
        "\uff22\uff25\uff32\uff34 caf\u00e9 \u00bd \uff83\uff7d\uff84 Stra\u00dfe \u0130stanbul",
        "a" * 41 + " short",
        "",
    ],
)
def test_the_indexing_fast_path_yields_the_same_terms_as_analyze(text):
    assert index_terms(text) == tokens(text)
