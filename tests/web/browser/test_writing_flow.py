"""Register, write an article with math, watch the preview render it, publish: in chromium."""

from __future__ import annotations

import re

import pytest

from apps.articles.models import Article, ArticleStatus
from tests.users.factories import UserFactory

CONTENT = "Energy $E=mc^2$ and the area\n\n$$\\int_0^1 x\\,dx$$\n"
PASSWORD = "violet-harbour-lantern-42"


def _register(page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/register/")
    page.fill("#register-email", email)
    page.fill("#register-nickname", "Ada")
    page.fill("#register-password", PASSWORD)
    page.click("#register-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/write/$"))


def _write(page) -> None:
    page.fill("#article-title", "On integrals")
    page.fill("#article-content", CONTENT)
    page.fill("#article-tags", "math, physics")


@pytest.mark.django_db(transaction=True)
def test_register_write_preview_math_as_you_type_and_publish(page, live_url, screenshot):
    _register(page, live_url, "ada@example.org")
    _write(page)

    # htmx posts the content after the typing pause: the server's MathML shows in the preview.
    preview = page.locator("#preview math")
    preview.first.wait_for()
    assert preview.count() == 2
    assert page.locator("#preview math[display=block]").count() == 1
    screenshot(page, "preview")

    page.click("button[value=publish]")
    page.wait_for_url(re.compile(r".*/a/\d+/on-integrals/$"))

    article = Article.objects.get()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.author.email == "ada@example.org"
    page.goto(f"{live_url}/me/articles/")
    assert page.locator(f"#article-{article.pk} .status").inner_text().lower() == "published"


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_preview_button_and_the_forms_still_work(
    page_nojs, live_url, signed_in_page
):
    page = page_nojs
    _register(page, live_url, "grace@example.org")
    _write(page)

    page.click("button[value=preview]")
    page.wait_for_load_state()
    assert page.locator("#preview math").count() == 2
    assert page.input_value("#article-title") == "On integrals"  # the form comes back filled

    page.click("button[value=save]")
    page.wait_for_url(re.compile(r".*/a/\d+/edit/$"))
    article = Article.objects.get()
    assert article.status == ArticleStatus.DRAFT

    page.goto(f"{live_url}/me/articles/")
    page.click(f"form[action='/a/{article.pk}/publish'] button")
    page.wait_for_url(re.compile(r".*/me/articles/$"))
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED

    page.click(f"form[action='/a/{article.pk}/withdraw'] button")
    page.wait_for_url(re.compile(r".*/me/articles/$"))
    article.refresh_from_db()
    assert article.status == ArticleStatus.PRIVATE

    # A third reader, signed in, no longer finds the withdrawn article at its address.
    third = signed_in_page(UserFactory(email="third@example.org"), js=False)
    response = third.goto(f"{live_url}/a/{article.pk}/on-integrals/")
    assert response is not None
    assert response.status == 404
    assert "On integrals" not in third.content()
