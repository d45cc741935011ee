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


@pytest.mark.django_db(transaction=True)
def test_wechat_qr_sign_in_against_the_simulator(page, live_url, settings, tmp_path):
    from apps.wechat_sim.keys import login_settings

    for name, value in login_settings(directory=tmp_path, site_url=live_url).items():
        setattr(settings, name, value)
    settings.WECHAT_REDIRECT_URI = ""

    page.goto(f"{live_url}/login/wechat/")
    assert page.locator(".wechat-qr svg").count() == 1
    page.click("#wechat-authorize")
    # The simulator's page stands in for scanning the QR code with the WeChat app.
    page.fill("input[name=name]", "Lin Wei")
    page.click("button")
    page.wait_for_url(re.compile(r"^[^?]*/$"))

    session = UserSession.objects.get(revoked_at__isnull=True)
    assert session.user.nickname == "Lin Wei"
    page.goto(f"{live_url}/me/sessions/")
    assert page.locator(".session-item.current").count() == 1
