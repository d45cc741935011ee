"""A second reader's flow on a published article, in chromium: like (the count updates in
place), collect, comment, reply, follow the author, tip, pay on the simulator's page, and the
author's wallet shows 90 %. The actions again with JavaScript off, as plain form posts."""

from __future__ import annotations

import re

import pytest

from apps.payments.wechatpay import wechatpay_client_reset
from apps.rewards.models import Reward, RewardStatus
from tests.articles.factories import published_article
from tests.rewards.conftest import deliver
from tests.users.factories import UserFactory
from tests.wechat_sim.routing import site_over_http

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulator():
    # The SDK's calls from the live server to the simulator (http://testserver in the test
    # settings) and the simulator's notification back are answered in-process.
    wechatpay_client_reset()
    with site_over_http() as mock:
        yield mock
    wechatpay_client_reset()


@pytest.fixture
def author():
    return UserFactory(nickname="Ada")


@pytest.fixture
def article(author):
    return published_article(author=author, title="Energy and mass", tags=["physics"])


def _open_article(page, article) -> None:
    page.goto(f"/a/{article.pk}/x/")  # a wrong slug redirects to the canonical address
    page.wait_for_selector(f"#article-actions-{article.pk}")


def test_a_reader_likes_comments_replies_follows_and_tips(
    simulator, signed_in_page, screenshot, author, article
):
    reader = UserFactory(nickname="Grace")
    page = signed_in_page(reader)
    _open_article(page, article)
    page.evaluate("window.__same_page = true")  # gone if any action reloads the page

    actions = page.locator(f"#article-actions-{article.pk}")
    actions.get_by_role("button", name=re.compile("^Like")).click()
    page.wait_for_selector('.action-like.is-on [data-count="like"]:text-is("1")')
    screenshot(page, "liked")
    actions.get_by_role("button", name=re.compile("^Collect")).click()
    page.wait_for_selector('.action-collect.is-on [data-count="collect"]:text-is("1")')

    # An error answers in place too: a new account may not post links yet (400).
    page.fill(f"#comment-new-{article.pk}", "See https://example.org/spam")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_selector('.comment-form .form-feedback [data-code="comment_links_not_allowed"]')
    assert page.locator(".comment", has_text="example.org").count() == 0

    page.fill(f"#comment-new-{article.pk}", "Is $E=mc^2$ exact here?")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator(".comment", has_text="exact here").first
    comment.wait_for()
    comment.locator("summary", has_text="Reply").click()
    comment.locator("textarea").fill("Only at rest.")
    comment.get_by_role("button", name="Post reply").click()
    page.locator(".comment.reply", has_text="Only at rest.").wait_for()
    page.wait_for_selector(f'#comment-count-{article.pk}:text-is("2")')  # swapped out of band

    page.locator(f"#follow-{author.pk}").get_by_role("button", name="Follow").click()
    page.wait_for_selector(f'#follow-{author.pk} button:text-is("Following")')
    assert page.evaluate("window.__same_page === true")
    screenshot(page, "article")

    page.locator(".action-tip").click()
    page.check('input[name="amount"][value="1000"]')
    page.get_by_role("button", name="Continue to WeChat Pay").click()
    page.wait_for_selector("#tip-status[data-status='pending'] svg")
    screenshot(page, "qr")
    pay_link = page.locator(".sim-pay-link").get_attribute("href")
    assert pay_link is not None

    cashier = page.context.new_page()
    cashier.goto(pay_link)
    cashier.get_by_role("button", name="Pay").click()
    cashier.wait_for_load_state()
    cashier.close()
    deliver("payment.changed")  # the relay's work, done here

    # The page polls every 2 s and swaps in "paid" without a reload.
    page.wait_for_selector("#tip-status[data-status='paid']")
    assert "Paid" in page.locator("#tip-status").inner_text()
    assert Reward.objects.get().status == RewardStatus.PAID

    wallet = signed_in_page(author)
    wallet.goto("/me/wallet/")
    assert wallet.locator("[data-balance]").get_attribute("data-balance") == "900"
    assert "¥9.00" in wallet.locator(".balance").inner_text()


def test_without_javascript_the_actions_are_form_posts(simulator, signed_in_page, author, article):
    reader = UserFactory(nickname="Edsger")
    page = signed_in_page(reader, js=False)
    _open_article(page, article)
    canonical = page.url

    page.locator(f"#article-actions-{article.pk}").get_by_role(
        "button", name=re.compile("^Like")
    ).click()
    page.wait_for_selector('.action-like.is-on [data-count="like"]:text-is("1")')
    assert page.url == canonical  # 303 back to the article

    page.fill(f"#comment-new-{article.pk}", "Works without scripts.")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment", has_text="Works without scripts.").wait_for()
    assert re.search(r"#comment-\d+$", page.url)

    page.locator(f"#follow-{author.pk}").get_by_role("button", name="Follow").click()
    page.wait_for_selector(f'#follow-{author.pk} button:text-is("Following")')

    page.goto(f"/a/{article.pk}/tip")
    page.get_by_role("button", name="Continue to WeChat Pay").click()
    page.wait_for_selector("#tip-status[data-status='pending'] svg")
    page.get_by_role("link", name="Refresh").click()  # no polling without scripts: a link
    page.wait_for_selector("#tip-status[data-status='pending']")
