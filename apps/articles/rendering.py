"""Markdown with LaTeX math → sanitised HTML, plain text and a derived abstract.

Pure functions, no database. The pipeline is two independent defences:

1. markdown-it-py (CommonMark + tables) with ``html=False``: raw HTML in the source is escaped,
   never passed through, and its link validator refuses ``javascript:``/``vbscript:``/``file:``
   URLs. The dollarmath plugin turns ``$…$`` into ``<span class="math inline">`` and ``$$…$$``
   into ``<div class="math block">`` (``<span class="math display">`` inside a paragraph), with
   the TeX HTML-escaped inside: the client typesets it with KaTeX.
2. nh3 (ammonia) on the result with an explicit allow-list: only the tags Markdown produces, no
   ``style`` except table alignment, ``class`` only with the math and code-language values,
   ``href``/``src`` only with http, https or mailto (or relative without a colon before the
   first slash), and ``rel="noopener nofollow ugc"`` on links.

Inline math follows Pandoc's rule (no space just inside the dollars, no digit just outside), so
prices such as "$5 and $10" stay text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li",
        "pre", "code", "em", "strong", "del", "s", "a", "img", "span", "div",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow ugc"

_MATH_CLASSES = {"span": {"math inline", "math display"}, "div": {"math block"}}
_CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_ALIGN_STYLE = re.compile(r"text-align:\s*(left|center|right);?")
_WHITESPACE = re.compile(r"\s+")
_URL_SEGMENT_END = re.compile(r"[/?#]")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Exact values only: a class or style that Markdown did not produce is dropped."""
    if attribute == "class":
        if tag == "code":
            return value if _CODE_CLASS.fullmatch(value) else None
        return value if value in _MATH_CLASSES.get(tag, ()) else None
    if attribute == "style":
        return value if _ALIGN_STYLE.fullmatch(value) else None
    return value


def _relative_url(url: str) -> str | None:
    """Relative links stay, unless their first segment holds a colon, even percent-encoded.

    "java%09script:alert(1)" is a harmless relative path to a correct URL parser, but it is
    one decoding step away from a scheme: no legitimate relative link looks like that.
    """
    first_segment = _URL_SEGMENT_END.split(url, maxsplit=1)[0]
    return None if ":" in unquote(first_segment) else url


def _render_math_display_in_paragraph(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    # The plugin's default is a <div>, which is not allowed inside a <p> and would make the
    # browser (and the sanitiser's parser) split the paragraph.
    return f'<span class="math display">{escapeHtml(tokens[idx].content.strip())}</span>'


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    dollarmath_plugin(
        md, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True
    )
    md.add_render_rule("math_inline_double", _render_math_display_in_paragraph)
    return md


_markdown = _build_markdown()
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    url_schemes=set(URL_SCHEMES),
    url_relative=_relative_url,
    link_rel=LINK_REL,
    strip_comments=True,
)
_text_only = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"}, attributes={})


def render_markdown(source: str) -> str:
    """Sanitised HTML for Markdown ``source``; math stays TeX inside marked-up elements."""
    return _cleaner.clean(_markdown.render(source))


def plain_text(rendered_html: str) -> str:
    """The text of rendered HTML on one line: tags removed, entities decoded, spaces collapsed.

    Math keeps its TeX source as text, which is what a reader (and the search index) expects.
    """
    text = html.unescape(_text_only.clean(rendered_html))
    return _WHITESPACE.sub(" ", text).strip()


def derive_abstract(text: str, *, max_length: int) -> str:
    """The start of ``text``, at most ``max_length`` characters, cut at a word boundary."""
    if len(text) <= max_length:
        return text
    cut = text[: max_length + 1]
    boundary = cut.rfind(" ")
    head = cut[:boundary] if boundary > max_length // 2 else text[:max_length]
    return head.rstrip(" ,;:.-\u2013\u2014") + "…"


def abstract_preview(source: str, *, max_length: int, source_prefix: int) -> str:
    """A derived abstract for a draft without rendering all of a possibly huge document.

    Rendering is linear in the source and a 1 MiB document takes seconds, so drafts render only
    the first ``source_prefix`` characters; publishing renders everything and derives the
    published abstract from the full result.
    """
    return derive_abstract(
        plain_text(render_markdown(source[:source_prefix])), max_length=max_length
    )
