import pytest

from apps.tags.names import (
    TagName,
    TagNameInvalid,
    name_key,
    prefix_key,
    tag_name_parse,
    tag_names_parse,
)


@pytest.mark.parametrize(
    ("raw", "display", "key"),
    [
        ("Machine Learning", "Machine Learning", "machine learning"),
        ("  machine \t\n  learning  ", "machine learning", "machine learning"),
        ("\uff27\uff30\uff35\u3000Computing", "GPU Computing", "gpu computing"),  # full-width
        ("Straße", "Straße", "strasse"),  # case folding, not just lower()
        ("Café", "Café", "café"),  # accents are kept: "cafe" is another tag
        ("Cafe\u0301", "Café", "café"),  # a combining accent composes to the same tag
        ("C++", "C++", "c++"),
        ("量子计算", "量子计算", "量子计算"),
        ("x" * 32, "x" * 32, "x" * 32),
    ],
)
def test_a_name_is_normalised_to_its_display_form_and_key(raw, display, key):
    assert tag_name_parse(raw) == TagName(display=display, key=key)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "A tag name cannot be blank."),
        (" \t ", "A tag name cannot be blank."),
        ("y" * 33, f'"{"y" * 33}" is longer than 32 characters.'),
        ("TCP/IP", '"TCP/IP" contains "/" or a control character.'),
        ("bell\x07", '"bell\x07" contains "/" or a control character.'),
    ],
)
def test_an_invalid_name_is_refused_with_a_message(raw, message):
    with pytest.raises(TagNameInvalid) as caught:
        tag_name_parse(raw)

    assert caught.value.messages == [message]


def test_length_is_counted_after_normalisation():
    # 32 letters with a run of spaces inside: 32 characters once the run is one space.
    assert tag_name_parse("a" * 16 + "     " + "b" * 15).display == "a" * 16 + " " + "b" * 15


def test_a_list_keeps_order_and_drops_case_insensitive_repeats_first_spelling_wins():
    names = tag_names_parse(["Graphs", "NLP", "graphs", " GRAPHS ", "nlp", "Topology"])

    assert names == [
        TagName("Graphs", "graphs"),
        TagName("NLP", "nlp"),
        TagName("Topology", "topology"),
    ]


def test_a_list_allows_ten_distinct_names_counting_repeats_once():
    names = [f"t{i}" for i in range(10)] + ["T0", "T9"]

    assert len(tag_names_parse(names)) == 10


def test_a_list_refuses_eleven_distinct_names():
    with pytest.raises(TagNameInvalid) as caught:
        tag_names_parse([f"t{i}" for i in range(11)])

    assert caught.value.messages == ["At most 10 tags are allowed; got 11."]


def test_a_list_reports_every_problem_at_once():
    with pytest.raises(TagNameInvalid) as caught:
        tag_names_parse(["ok", "", "a/b", 7])  # type: ignore[list-item]

    assert caught.value.messages == [
        "A tag name cannot be blank.",
        '"a/b" contains "/" or a control character.',
        "Each tag name must be a string.",
    ]


def test_an_empty_list_is_valid():
    assert tag_names_parse([]) == []


def test_keys_and_prefixes_match_however_the_name_is_typed():
    assert name_key("  Deep   LEARNING ") == "deep learning"
    assert prefix_key("DEEP  le") == "deep le"
    assert prefix_key("   ") == ""
