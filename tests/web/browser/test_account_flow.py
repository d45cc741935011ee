"""Sign in with a wrong then the right password, and sign another browser out, in chromium."""

from __future__ import annotations

import re

import pytest

from apps.users.models import UserSession
from tests.users.factories import PASSWORD, UserFactory


def _sign_in(page, live_url: str, email: str, password: str) -> None:
    page.goto(f"{live_url}/login/?next=/me/sessions/")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_sign_in_then_sign_out_the_other_browser(js, page, page_nojs, new_context, live_url):
    browser = page if js else page_nojs
    user = UserFactory(email="ada@example.org")

    _sign_in(browser, live_url, user.email, "not-the-password")
    assert browser.locator("[role=alert]").inner_text() == "The email or password is not correct."

    _sign_in(browser, live_url, user.email, PASSWORD)
    browser.wait_for_url(re.compile(r".*/me/sessions/$"))
    assert browser.locator(".session-item.current").count() == 1

    other = new_context(base_url=live_url, java_script_enabled=js).new_page()
    _sign_in(other, live_url, user.email, PASSWORD)
    other.wait_for_url(re.compile(r".*/me/sessions/$"))

    browser.reload()
    assert browser.locator(".session-item").count() == 2
    browser.click("#sign-out-elsewhere button")
    browser.wait_for_url(re.compile(r".*/me/sessions/$"))
    assert browser.locator(".session-item").count() == 1

    # The other browser's next page finds its platform session revoked: signed out.
    other.goto(f"{live_url}/me/sessions/")
    assert "/login/" in other.url
    assert UserSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1

    browser.click("#logout-form button")
    browser.wait_for_url(re.compile(r".*/$"))
    assert UserSession.objects.filter(user=user, revoked_at__isnull=True).count() == 0
