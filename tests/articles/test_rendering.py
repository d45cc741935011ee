from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from apps.articles.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    abstract_preview,
    derive_abstract,
    plain_text,
    render_markdown,
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            r"Euler: $e^{i\pi} + 1 = 0$.",
            '<p>Euler: <span class="math inline">e^{i\\pi} + 1 = 0</span>.</p>\n',
        ),
        (
            "$$\n\\sum_{k=1}^n k = \\frac{n(n+1)}{2}\n$$",
            '<div class="math block">\n\\sum_{k=1}^n k = \\frac{n(n+1)}{2}\n</div>\n',
        ),
        (
            "Then $$a^2 + b^2$$ holds.",
            '<p>Then <span class="math display">a^2 + b^2</span> holds.</p>\n',
        ),
        (
            "Order: $a<b$ & $c>d$",
            '<p>Order: <span class="math inline">a&lt;b</span> &amp; '
            '<span class="math inline">c&gt;d</span></p>\n',
        ),
        ("It costs $5 and $10 today.", "<p>It costs $5 and $10 today.</p>\n"),
        (r"Escaped \$x\$ stays text.", "<p>Escaped $x$ stays text.</p>\n"),
    ],
)
def test_math_is_kept_as_escaped_tex_in_marked_up_elements(source, expected):
    assert render_markdown(source) == expected


def test_markdown_basics_render():
    source = (
        '# Title\n\n*em* **strong** `code` [link](https://example.org "t")\n\n'
        "```python\nprint(1 < 2)\n```\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n"
    )

    assert render_markdown(source) == (
        "<h1>Title</h1>\n"
        "<p><em>em</em> <strong>strong</strong> <code>code</code> "
        '<a href="https://example.org" title="t" rel="noopener nofollow ugc">link</a></p>\n'
        '<pre><code class="language-python">print(1 &lt; 2)\n</code></pre>\n'
        "<table>\n<thead>\n<tr>\n"
        '<th style="text-align:left">a</th>\n<th style="text-align:right">b</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td style="text-align:left">1</td>\n<td style="text-align:right">2</td>\n'
        "</tr>\n</tbody>\n</table>\n"
    )


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<div onclick="alert(1)">click</div>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>body { display: none }</style>",
    '<p style="position:fixed;top:0">overlay</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<object data=javascript:alert(1)></object>",
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">raw html link</a>',
    '<a href="&#x6A;avascript:alert(1)">entity link</a>',
    '<form action="https://evil.example"><input name=x></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<!-- <script>alert(1)</script> -->",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;vascript:alert(1))",
    "[click](java&#09;script:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<https://example.org/"onmouseover="alert(1)>',
    '[x](https://example.org "a" onmouseover="alert(1)")',
    '```"><script>alert(1)</script>\ncode\n```',
    "```js onclick=alert(1)\ncode\n```",
    "$x</span><script>alert(1)</script>$",
    '$x" onmouseover="alert(1)$',
    "$$\n</div><script>alert(1)</script>\n$$",
    "Inline $$</span><img src=x onerror=alert(1)>$$ display",
    "\\<script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def _elements(rendered: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(rendered)
    collector.close()
    return collector.elements


def _url_is_safe(url: str) -> bool:
    squashed = "".join(char for char in unescape(url) if char > " ").lower()
    return urlsplit(squashed).scheme in {"", "http", "https", "mailto"} and (
        "script:" not in squashed
    )


@pytest.mark.parametrize("source", XSS_CORPUS)
def test_xss_corpus_leaves_only_allowed_markup(source):
    rendered = render_markdown(source)

    for tag, attributes in _elements(rendered):
        assert tag in ALLOWED_TAGS, rendered
        for name, value in attributes:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, rendered
            if name in {"href", "src"}:
                assert _url_is_safe(value or ""), rendered
            if name == "class":
                assert value in {"math inline", "math display", "math block"} or (
                    tag == "code" and value.startswith("language-") and '"' not in value
                ), rendered
            if name == "style":
                assert value.startswith("text-align:"), rendered


@pytest.mark.parametrize("source", XSS_CORPUS)
def test_xss_corpus_never_yields_an_executable_element(source):
    lowered = render_markdown(source).lower()

    for needle in ("<script", "<iframe", "<svg", "<math", "<style", "<object", "<embed", "<form"):
        assert needle not in lowered


def test_raw_html_in_markdown_is_shown_as_text():
    assert render_markdown("<b>bold</b> and <script>x</script>") == (
        "<p>&lt;b&gt;bold&lt;/b&gt; and &lt;script&gt;x&lt;/script&gt;</p>\n"
    )


def test_tex_that_closes_the_span_stays_inside_it():
    assert render_markdown("$x</span><script>alert(1)</script>$") == (
        '<p><span class="math inline">x&lt;/span&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
        "</span></p>\n"
    )


def test_links_get_rel_and_unsafe_schemes_are_not_links():
    assert render_markdown("[a](https://example.org) [b](javascript:alert(1))") == (
        '<p><a href="https://example.org" rel="noopener nofollow ugc">a</a> '
        "[b](javascript:alert(1))</p>\n"
    )


def test_images_keep_http_sources_and_lose_data_urls():
    assert render_markdown(
        "![fig](https://img.example.org/f.png) ![x](data:image/png;base64,AA)"
    ) == ('<p><img src="https://img.example.org/f.png" alt="fig"> <img alt="x"></p>\n')


def test_plain_text_drops_markup_and_keeps_math_source():
    rendered = render_markdown("# Heading\n\nSome *text* & $x^2$.\n\n- one\n- two\n")

    assert plain_text(rendered) == "Heading Some text & x^2. one two"


def test_derive_abstract_cuts_on_a_word_boundary():
    text = " ".join(f"word{n}" for n in range(100))

    abstract = derive_abstract(text, max_length=40)

    assert abstract == "word0 word1 word2 word3 word4 word5…"
    assert derive_abstract("short text", max_length=40) == "short text"


def test_derive_abstract_cuts_a_single_long_word_at_the_limit():
    assert derive_abstract("x" * 50, max_length=10) == "x" * 10 + "…"


def test_abstract_preview_renders_only_the_start_of_the_source():
    source = "First paragraph with $y$.\n\n" + "filler " * 10_000

    assert abstract_preview(source, max_length=30, source_prefix=100) == (
        "First paragraph with y. filler…"
    )


def test_relative_links_stay_unless_they_look_like_a_scheme():
    assert render_markdown("[a](/docs/x) [b](#proof) [c](java%3Ascript:x)") == (
        '<p><a href="/docs/x" rel="noopener nofollow ugc">a</a> '
        '<a href="#proof" rel="noopener nofollow ugc">b</a> '
        '<a rel="noopener nofollow ugc">c</a></p>\n'
    )
