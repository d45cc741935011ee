"""A reader in chromium: home → the article with its math rendered → search finds it again.

The same flow with JavaScript off: every step is a link or a GET form, so it must work alike.
"""

from __future__ import annotations

import re

import pytest

from apps.interactions import services as interactions
from apps.search import services as search_services
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = "Energy and mass: $E=mc^2$.\n\n$$\n\\int_0^1 x\\,dx\n$$\n\nOn eigenvalues of graphs.\n"


@pytest.fixture
def search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "tantivy"
    settings.SEARCH_TANTIVY_PATH = tmp_path / "search"
    settings.SEARCH_WRITE_LOCK_TIMEOUT = 5.0


@pytest.fixture
def article(search_index):
    author = UserFactory(nickname="Emmy Noether")
    article = published_article(
        author=author, title="Spectral bounds", content=CONTENT, tags=["graphs"]
    )
    published_article(author=author, title="Another note", content="Nothing to see.")
    interactions.article_like(user=UserFactory(), article_id=article.pk)
    search_services.search_article_sync(article_id=article.pk)
    return article


def _read_flow(page, live_url, article, screenshot, label):
    page.goto(f"{live_url}/")
    link = page.get_by_role("link", name="Spectral bounds").first
    assert link.is_visible()
    screenshot(page, f"home{label}")

    link.click()
    page.wait_for_url(re.compile(rf"/a/{article.pk}/spectral-bounds/$"))
    assert page.locator("h1.article-title").inner_text() == "Spectral bounds"
    # The math is MathML the browser lays out: real boxes, not the TeX source as text.
    inline = page.locator("span.math.inline math")
    block = page.locator("div.math.block math[display=block]")
    assert inline.count() == 1
    assert block.count() == 1
    for element in (inline, block):
        box = element.bounding_box()
        assert box is not None
        assert box["width"] > 0
        assert box["height"] > 0
    assert "\\int_0^1" not in page.locator(".article-body").inner_text()
    assert (
        page.locator('link[rel="canonical"]')
        .get_attribute("href", timeout=2000)
        .endswith(f"/a/{article.pk}/spectral-bounds/")
    )
    screenshot(page, f"article{label}")

    page.get_by_label("Search", exact=True).fill("eigenvalues")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=eigenvalues"))
    result = page.locator(".search-result a", has_text="Spectral bounds")
    assert result.count() == 1
    assert page.locator(".search-result mark").first.inner_text().lower() == "eigenvalues"
    screenshot(page, f"search{label}")
    result.click()
    page.wait_for_url(re.compile(rf"/a/{article.pk}/"))


def test_a_reader_goes_from_home_to_the_article_with_math_and_finds_it_by_search(
    page, live_url, article, screenshot
):
    _read_flow(page, live_url, article, screenshot, "")


def test_the_same_flow_works_without_javascript(page_nojs, live_url, article, screenshot):
    _read_flow(page_nojs, live_url, article, screenshot, "-nojs")
