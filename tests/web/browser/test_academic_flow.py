"""Two-factor sign-in set up on the security page, then used, then "Cite this"; and "Sign in with
ORCID" against the simulator, in chromium.

The flow enrols an authenticator (the test computes its codes from the secret the page shows,
as an authenticator app would), confirms it, keeps the recovery codes, signs out, signs in with
the password and a code, and opens an article's "Cite this" to read its BibTeX. The same flow
runs with JavaScript off: every step is a plain form or link, and "Cite this" a <details>.
"""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.models import RecoveryCode, UserSession
from tests.articles.factories import published_article
from tests.users.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _code_from_secret(secret: str, *, offset_steps: int = 0) -> str:
    """What an authenticator app shows for the base32 ``secret`` (30 s steps, 6 digits)."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key, step=30, digits=6, drift=offset_steps).token():06d}"


def _sign_in(browser, live_url: str, email: str) -> None:
    browser.goto(f"{live_url}/login/?next=/me/security/")
    browser.fill("#login-email", email)
    browser.fill("#login-password", PASSWORD)
    browser.click("#login-form button[type=submit]")
    browser.wait_for_load_state()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_enrol_sign_out_sign_in_with_a_code_then_cite(js, page, page_nojs, live_url, screenshot):
    browser = page if js else page_nojs
    user = UserFactory(email="emmy@example.org", nickname="Emmy Noether")
    article = published_article(author=user, title="Invariant variations")

    _sign_in(browser, live_url, user.email)
    browser.wait_for_url(re.compile(r".*/me/security/$"))
    assert "Off" in browser.locator("#mfa-status").inner_text()
    browser.click("#mfa-enrol-form button")
    browser.wait_for_url(re.compile(r".*/me/security/#enrol$"))
    assert browser.locator(".mfa-qr svg").count() == 1
    secret = browser.locator("#mfa-secret").inner_text()
    screenshot(browser, "enrol")

    browser.fill("#mfa-confirm-code", _code_from_secret(secret))
    browser.click("#mfa-confirm-form button")
    browser.wait_for_load_state()
    codes = browser.locator(".recovery-code-list code").all_inner_texts()
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert TOTPDevice.objects.get(user=user).confirmed
    screenshot(browser, "recovery-codes")

    browser.click(".site-nav form button")  # sign out
    browser.wait_for_url(re.compile(r"^[^?]*/$"))
    assert UserSession.objects.filter(user=user, revoked_at__isnull=True).count() == 0

    _sign_in(browser, live_url, user.email)
    assert browser.locator("#second-factor-form").count() == 1
    assert UserSession.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    # The confirmation used this step's code: an app shows the next one 30 s later.
    browser.fill("#second-factor-code", _code_from_secret(secret, offset_steps=1))
    browser.click("#second-factor-form button")
    browser.wait_for_url(re.compile(r".*/me/security/$"))
    assert "On" in browser.locator("#mfa-status").inner_text()
    assert UserSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1

    browser.goto(f"{live_url}/a/{article.pk}/")
    browser.wait_for_url(re.compile(rf"/a/{article.pk}/invariant-variations/$"))
    assert not browser.locator("#citation-bibtex").is_visible()
    browser.click("#cite-this summary")
    bibtex = browser.locator("#citation-bibtex")
    assert bibtex.is_visible()
    text = bibtex.inner_text()
    year = article.published_at.year
    assert text == (
        f"@misc{{noether{year}invariant-{article.pk},\n"
        "  title = {{Invariant variations}},\n"
        "  author = {{Emmy Noether}},\n"
        f"  year = {{{year}}},\n"
        "  howpublished = {ScholarNet},\n"
        f"  url = {{{live_url}/a/{article.pk}/}}\n"
        "}\n"
    )
    screenshot(browser, "cite")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_sign_in_with_orcid_then_the_profile_shows_the_verified_id(
    js, page, page_nojs, live_url, settings
):
    from apps.orcid_sim.config import orcid_settings
    from apps.orcid_sim.oauth import orcid_id_for

    for name, value in orcid_settings(site_url=live_url).items():
        setattr(settings, name, value)
    settings.ORCID_REDIRECT_URI = ""
    browser = page if js else page_nojs

    browser.goto(f"{live_url}/login/")
    browser.click("#orcid-sign-in")
    # The simulator's page stands in for signing in at orcid.org.
    browser.fill("input[name=name]", "Sofia Kovalevskaya")
    browser.click("button:not([name=deny])")
    browser.wait_for_url(re.compile(r"^[^?]*/$"))

    session = UserSession.objects.get(revoked_at__isnull=True)
    orcid = orcid_id_for("Sofia Kovalevskaya")
    assert session.user.orcid_id == orcid
    browser.goto(f"{live_url}/me/security/")
    assert orcid in browser.locator("#orcid-linked").inner_text()
    browser.goto(f"{live_url}/u/{session.user.pk}/")
    assert browser.locator(".orcid-id a").inner_text() == orcid
    assert browser.locator(".orcid-verified").inner_text() == "verified"
