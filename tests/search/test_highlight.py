from apps.search.highlight import ELLIPSIS, FRAGMENT_CHARS, highlight, highlights


def test_matching_words_are_marked_by_their_analysed_form():
    assert highlight("Deep Learning learns", {"learn"}) == (
        "Deep <mark>Learning</mark> <mark>learns</mark>"
    )


def test_overlapping_chinese_bigrams_become_one_mark():
    assert highlight("我们研究注意力机制", {"注意", "意力"}) == "我们研究<mark>注意力</mark>机制"


def test_everything_outside_the_marks_is_html_escaped():
    marked = highlight('<img src=x onerror="alert(1)"> learning & <b>', {"learn"})

    assert marked == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>learning</mark> &amp; &lt;b&gt;"
    )


def test_html_inside_a_match_is_escaped_too():
    assert (
        highlight("<b>learning</b>", {"b"})
        == "&lt;<mark>b</mark>&gt;learning&lt;/<mark>b</mark>&gt;"
    )


def test_no_match_gives_an_empty_string():
    assert highlight("Deep Learning", {"graph"}) == ""
    assert highlight("", {"graph"}) == ""


def test_long_text_is_cut_to_a_fragment_around_the_first_match():
    text = "filler " * 100 + "the spectral method converges " + "tail " * 100

    marked = highlight(text, {"spectral"})

    assert marked.startswith(ELLIPSIS)
    assert marked.endswith(ELLIPSIS)
    assert "<mark>spectral</mark> method converges" in marked
    visible = marked.replace("<mark>", "").replace("</mark>", "").strip(ELLIPSIS)
    assert len(visible) <= FRAGMENT_CHARS
    assert visible in text
    assert visible.split()[0] == "filler"  # whole words at both ends
    assert visible.split()[-1] == "tail"


def test_a_very_long_text_is_highlighted_without_analysing_all_of_it():
    text = "x " * 50_000 + "attention heads " + "y " * 50_000

    marked = highlight(text, {"attent", "head"})

    assert "<mark>attention</mark> <mark>heads</mark>" in marked
    assert highlight(text, {"absent"}) == ""


def test_a_word_cut_by_the_scan_window_is_not_a_false_match():
    text = "x " * 2_000 + "unlearning " + "y " * 2_000

    assert highlight(text, {"learn"}) == ""


def test_highlights_lists_only_the_named_fields_that_match():
    fields = {"title": "Graph learning", "abstract": "Nothing here", "text": "learning", "n": 1}

    assert highlights(fields, ["title", "abstract", "n"], {"learn"}) == {
        "title": "Graph <mark>learning</mark>"
    }
    assert highlights(fields, ["title"], set()) == {}
