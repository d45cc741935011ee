"""apps.web.math: the renderer's TeX becomes MathML; anything unsafe or broken stays TeX text."""

from __future__ import annotations

import pytest

from apps.articles.rendering import render_markdown
from apps.web import math


def test_inline_display_and_block_math_become_mathml():
    html = render_markdown("Mass $E=mc^2$ and $$\\frac{1}{2}$$ here.\n\n$$\n\\int_0^1 x\\,dx\n$$\n")

    out = math.math_to_mathml(html)

    assert '<span class="math inline" data-tex="E=mc^2"><math' in out
    assert '<span class="math display" data-tex="\\frac{1}{2}"><math' in out
    assert '<div class="math block" data-tex="\\int_0^1 x\\,dx"><math' in out
    assert out.count('display="block"') == 2
    assert out.count('display="inline"') == 1


def test_markup_inside_tex_stays_escaped_text():
    html = render_markdown("Evil $\\text{<script>alert(1)</script>}$ and $a<b$.")

    out = math.math_to_mathml(html)

    assert "<script" not in out
    assert "&lt;" in out or "&#x0003C;" in out
    assert 'data-tex="a&lt;b"' in out


def test_tex_the_converter_rejects_keeps_the_escaped_tex(monkeypatch):
    def broken(tex, display):
        raise ValueError("unbalanced braces")

    monkeypatch.setattr(math, "convert", broken)
    html = render_markdown("Broken $x^{2$ here and $a<b$.")

    assert math.math_to_mathml(html) == html


@pytest.mark.parametrize(
    "markup",
    [
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><script>x</script></math>',
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi onclick="x">a</mi></math>',
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi href="javascript:x">a</mi></math>',
        '<math xmlns="http://evil.example/"><mi>a</mi></math>',
        '<svg><math xmlns="http://www.w3.org/1998/Math/MathML"></math></svg>',
    ],
)
def test_converter_output_outside_the_allowlist_falls_back_to_tex(monkeypatch, markup):
    monkeypatch.setattr(math, "convert", lambda tex, display: markup)
    html = render_markdown("Value $x$.")

    assert math.math_to_mathml(html) == html


def test_html_without_math_is_returned_as_it_is():
    html = "<p>No formulas at all.</p>"

    assert math.math_to_mathml(html) is html


def test_titles_and_abstracts_show_their_dollar_math_as_mathml_and_the_rest_escaped():
    from apps.web.templatetags.web_reading import inline_math

    out = inline_math("Why $E=mc^2$ & <b>more</b> for $x^{2$")

    assert out.startswith('Why <span class="math inline" data-tex="E=mc^2"><math')
    assert "&amp; &lt;b&gt;more&lt;/b&gt;" in out
    assert out.endswith("for $x^{2$") or "<math" in out.split("for ")[1]
    assert "<b>" not in out


@pytest.mark.django_db
def test_comments_and_reviews_show_their_math_as_mathml_on_the_article_page():
    from django.test import Client

    from apps.comments import services as comment_services
    from apps.comments.models import CommentKind
    from tests.articles.factories import published_article
    from tests.users.factories import UserFactory

    article = published_article(title="Mass")
    comment_services.comment_create(
        user=UserFactory(), article_id=article.pk, content="Surely $p = mv$ here?"
    )
    comment_services.comment_create(
        user=UserFactory(),
        article_id=article.pk,
        content="Check $\\vec L = \\vec r \\times \\vec p$.",
        kind=CommentKind.REVIEW,
        rating=7,
        confidence=3,
    )

    page = Client().get(f"/a/{article.pk}/", follow=True).content.decode()

    assert '<span class="math inline" data-tex="p = mv"><math' in page
    assert page.count('data-tex="\\vec L = \\vec r \\times \\vec p"><math') == 2  # review, thread
