"""The academic pages: security (two-factor sign-in, ORCID), the article page's citation,
revisions, attachments and typed reviews, and the DOI field and import of the writing pages."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.articles import services as article_services
from apps.articles.models import Article
from apps.attachments.models import Attachment
from apps.comments.models import ArticleEditor, Comment, CommentKind
from apps.comments.services import comment_create
from apps.orcid_sim.oauth import orcid_id_for
from apps.users import revocation
from apps.users.mfa.services import recovery_code_digest
from apps.users.models import RecoveryCode, User, UserSession
from apps.web.auth import sign_in_test_client
from tests.articles.crossref_stub import WORK, crossref  # noqa: F401 - a fixture
from tests.articles.factories import published_article
from tests.attachments.pdfs import pdf_with_text
from tests.users.factories import PASSWORD, UserFactory
from tests.wechat_sim.routing import site_over_http

pytestmark = pytest.mark.django_db

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
START = 1_800_000_000  # the start of a 30 s TOTP step
ADA_ORCID = orcid_id_for("Ada Lovelace")


@pytest.fixture(autouse=True)
def _fresh_session_breaker():
    revocation.reset_breaker()
    yield
    revocation.reset_breaker()


@pytest.fixture(autouse=True)
def _attachments_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        },
    }
    settings.SEARCH_BACKEND = "tantivy"
    settings.SEARCH_TANTIVY_PATH = tmp_path / "search"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def author():
    return UserFactory(email="ada@example.org", nickname="Ada")


@pytest.fixture
def reader():
    return UserFactory(email="grace@example.org", nickname="Grace")


def _browser(user=None) -> Client:
    browser = Client(HTTP_USER_AGENT=USER_AGENT)
    if user is not None:
        sign_in_test_client(browser, user)
    return browser


def _totp(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _step(clock) -> None:
    clock.shift(timedelta(seconds=30))


def _codes(body: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", body)


def _enrolled(user, clock) -> tuple[Client, list[str]]:
    browser = _browser(user)
    assert browser.post("/me/security/2fa/enrol").status_code == 303
    device = TOTPDevice.objects.get(user=user)
    confirmed = browser.post("/me/security/2fa/confirm", {"code": _totp(device)})
    assert confirmed.status_code == 200
    _step(clock)
    return browser, _codes(confirmed.content.decode())


# --- security: two-factor sign-in ------------------------------------------------------------


def test_the_security_page_needs_a_signed_in_user():
    response = _browser().get("/me/security/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/me/security/")
    assert _browser().post("/me/security/2fa/enrol").status_code == 302
    assert not TOTPDevice.objects.exists()


def test_the_sessions_page_links_the_security_page(author):
    body = _browser(author).get("/me/sessions/").content.decode()

    assert 'href="/me/security/"' in body


def test_enrol_shows_the_qr_code_and_secret_until_confirmed(author, clock):
    browser = _browser(author)
    assert "Off: a password alone signs you in." in browser.get("/me/security/").content.decode()

    response = browser.post("/me/security/2fa/enrol")
    page = browser.get("/me/security/")

    assert response.status_code == 303
    device = TOTPDevice.objects.get(user=author, confirmed=False)
    body = page.content.decode()
    assert "<svg" in body
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', body)[1]
    assert parse_qs(urlsplit(device.config_url).query)["secret"][0].rstrip("=") == secret
    assert 'action="/me/security/2fa/confirm"' in body
    assert page["Cache-Control"].startswith("max-age=0")


def test_a_wrong_confirmation_code_is_a_form_error_and_leaves_it_off(author, clock):
    browser = _browser(author)
    browser.post("/me/security/2fa/enrol")
    device = TOTPDevice.objects.get(user=author)
    wrong = "999999" if _totp(device) != "999999" else "111111"

    response = browser.post("/me/security/2fa/confirm", {"code": wrong})

    assert response.status_code == 400
    assert "The code is not correct" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=author, confirmed=True).exists()
    assert not RecoveryCode.objects.filter(user=author).exists()


def test_a_missing_code_is_a_field_error(author, clock):
    browser = _browser(author)
    browser.post("/me/security/2fa/enrol")

    response = browser.post("/me/security/2fa/confirm", {})

    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=author, confirmed=True).exists()


def test_confirming_shows_the_ten_recovery_codes_once(author, clock):
    browser, codes = _enrolled(author, clock)

    assert len(codes) == 10
    stored = set(RecoveryCode.objects.filter(user=author).values_list("code_hash", flat=True))
    assert stored == {recovery_code_digest(code) for code in codes}
    again = browser.get("/me/security/").content.decode()
    assert _codes(again) == []
    assert "10 recovery codes left." in again


def test_new_recovery_codes_replace_the_old_ones(author, clock):
    browser, old = _enrolled(author, clock)
    device = TOTPDevice.objects.get(user=author)

    response = browser.post("/me/security/2fa/recovery-codes", {"code": _totp(device)})

    assert response.status_code == 200
    new = _codes(response.content.decode())
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    stored = set(RecoveryCode.objects.filter(user=author).values_list("code_hash", flat=True))
    assert stored == {recovery_code_digest(code) for code in new}


def test_new_recovery_codes_need_an_authenticator_code(author, clock):
    browser, old = _enrolled(author, clock)
    before = set(RecoveryCode.objects.filter(user=author).values_list("code_hash", flat=True))

    response = browser.post("/me/security/2fa/recovery-codes", {"code": old[0]})

    assert response.status_code == 400
    assert "The code is not correct" in response.content.decode()
    after = set(RecoveryCode.objects.filter(user=author).values_list("code_hash", flat=True))
    assert after == before


def test_disable_with_a_fresh_code_turns_it_off(author, clock):
    browser, _ = _enrolled(author, clock)
    device = TOTPDevice.objects.get(user=author)

    response = browser.post("/me/security/2fa/disable", {"code": _totp(device)})

    assert response.status_code == 303
    assert not TOTPDevice.objects.filter(user=author).exists()
    assert not RecoveryCode.objects.filter(user=author).exists()


def test_disable_with_a_wrong_code_changes_nothing(author, clock):
    browser, _ = _enrolled(author, clock)
    wrong = "999999" if _totp(TOTPDevice.objects.get(user=author)) != "999999" else "111111"

    response = browser.post("/me/security/2fa/disable", {"code": wrong})

    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=author, confirmed=True).exists()
    assert RecoveryCode.objects.filter(user=author, used_at__isnull=True).count() == 10


def test_each_user_sees_and_changes_only_their_own_security(author, reader, clock):
    _enrolled(author, clock)
    other = _browser(reader)

    body = other.get("/me/security/").content.decode()
    other.post("/me/security/2fa/disable", {"code": "123456"})

    assert "Off: a password alone signs you in." in body
    assert TOTPDevice.objects.filter(user=author, confirmed=True).exists()
    assert RecoveryCode.objects.filter(user=author).count() == 10
    assert _browser(reader).get(f"/me/security/{author.pk}/").status_code == 404


def test_the_password_sign_in_asks_for_the_new_authenticators_code(author, clock):
    _enrolled(author, clock)
    browser = _browser()

    first = browser.post("/login/", {"email": author.email, "password": PASSWORD})
    challenge = re.search(r'name="challenge" value="([^"]+)"', first.content.decode())[1]
    code = _totp(TOTPDevice.objects.get(user=author))
    done = browser.post("/login/2fa", {"challenge": challenge, "code": code})

    assert done.status_code == 303
    assert UserSession.objects.filter(user=author, revoked_at__isnull=True).count() == 2


# --- ORCID -----------------------------------------------------------------------------------


@pytest.fixture
def orcid_http():
    with site_over_http() as mock:
        yield mock


def _at_orcid(url: str, *, name: str = "Ada Lovelace") -> str:
    """The simulator's page: authorize as ``name``; answers the callback path and query."""
    parts = urlsplit(url)
    page = Client().post(f"{parts.path}?{parts.query}", {"name": name})
    assert page.status_code == 302, page.content
    location = urlsplit(page["Location"])
    assert location.path == "/login/orcid/callback"
    return f"{location.path}?{location.query}"


def test_the_sign_in_page_offers_orcid():
    body = _browser().get("/login/").content.decode()

    assert 'href="/login/orcid/"' in body
    assert "Sign in with ORCID" in body


def test_sign_in_with_orcid_through_the_simulator(orcid_http):
    browser = _browser()

    started = browser.get("/login/orcid/")
    assert started.status_code == 303
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["redirect_uri"] == ["http://testserver/login/orcid/callback"]
    assert started.cookies["orcid_state"]["path"] == "/login/orcid/"

    response = browser.get(_at_orcid(started["Location"]))

    assert response.status_code == 303
    assert response["Location"] == "/"
    user = User.objects.get(orcid_id=ADA_ORCID)
    assert UserSession.objects.filter(user=user).count() == 1
    assert browser.get("/me/sessions/").status_code == 200
    assert response.cookies["orcid_state"].value == ""


def test_an_orcid_callback_without_this_browsers_state_is_refused(orcid_http):
    started = _browser().get("/login/orcid/")
    callback = _at_orcid(started["Location"])

    response = _browser().get(callback)  # another browser: no state cookie

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not User.objects.filter(orcid_id=ADA_ORCID).exists()
    assert not UserSession.objects.exists()


def test_link_orcid_from_the_security_page_shows_it_on_the_profile(author, orcid_http):
    browser = _browser(author)
    assert 'action="/me/security/orcid/link"' in browser.get("/me/security/").content.decode()

    started = browser.post("/me/security/orcid/link")
    response = browser.get(_at_orcid(started["Location"]))

    assert response.status_code == 303
    assert response["Location"] == "/me/security/"
    author.refresh_from_db()
    assert author.orcid_id == ADA_ORCID
    assert ADA_ORCID in browser.get("/me/security/").content.decode()
    profile = _browser().get(f"/u/{author.pk}/").content.decode()
    assert f'href="https://orcid.org/{ADA_ORCID}"' in profile
    assert "verified" in profile


def test_linking_an_orcid_id_someone_else_has_is_a_page_error(author, reader, orcid_http):
    reader.orcid_id = ADA_ORCID
    reader.save(update_fields=["orcid_id"])
    browser = _browser(author)

    started = browser.post("/me/security/orcid/link")
    response = browser.get(_at_orcid(started["Location"]))

    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    author.refresh_from_db()
    assert author.orcid_id is None


def test_unlink_orcid(author):
    author.orcid_id = ADA_ORCID
    author.save(update_fields=["orcid_id"])

    response = _browser(author).post("/me/security/orcid/unlink")

    assert response.status_code == 303
    author.refresh_from_db()
    assert author.orcid_id is None


# --- the article page ------------------------------------------------------------------------


def _with_doi(article, doi: str = "10.5555/example.1") -> None:
    article_services.article_draft_update(
        article_id=article.pk, author=article.author, data={"doi": doi}
    )
    article_services.article_publish(article_id=article.pk, author=article.author)


def _attach(article, name: str = "paper.pdf") -> Attachment:
    from apps.attachments.services import attachment_create

    upload = SimpleUploadedFile(name, pdf_with_text("hello"), content_type="application/pdf")
    return attachment_create(user=article.author, article_id=article.pk, upload=upload)


def test_the_article_page_shows_doi_citation_revision_attachments_and_reviews(author, reader):
    article = published_article(author=author, title="Spectral graphs")
    _with_doi(article)
    attachment = _attach(article)
    comment_create(
        user=reader,
        article_id=article.pk,
        content="Sound.",
        kind=CommentKind.REVIEW,
        rating=8,
        confidence=4,
    )

    body = _browser().get(f"/a/{article.pk}/").content.decode()
    page = _browser().get(f"/a/{article.pk}/", follow=True).content.decode()

    assert body == ""  # the short address redirects to the canonical one
    assert '<a href="https://doi.org/10.5555/example.1">' in page
    bibtex = re.search(r'id="citation-bibtex">(.*?)</pre>', page, re.S)[1]
    download = _browser().get(f"/a/{article.pk}/cite?format=bibtex").content.decode()
    assert bibtex.replace("&quot;", '"').replace("&#x27;", "'") == download
    assert bibtex.startswith("@misc{ada")
    assert f"url = {{http://testserver/a/{article.pk}/}}" in bibtex
    assert "Revision 2" in page
    assert f'href="/a/{article.pk}/revisions"' in page
    assert f'href="/attachments/{attachment.pk}"' in page
    assert 'id="review-count">1<' in page
    assert 'id="review-rating-mean">8.0<' in page
    assert "rating 8/10" in page


def test_the_anonymous_article_page_has_no_viewer_controls(author, reader):
    article = published_article(author=author)
    comment_create(
        user=reader, article_id=article.pk, content="Hm.", kind="review", rating=3, confidence=2
    )

    page = _browser().get(f"/a/{article.pk}/", follow=True).content.decode()

    assert 'id="review-form"' not in page
    assert "rebuttal-form" not in page
    assert "Attach a PDF" not in page
    assert f'href="/login/?next=/a/{article.pk}/reviews"' in page


def test_a_signed_in_reader_may_review_the_author_may_rebut(author, reader):
    article = published_article(author=author)
    comment_create(
        user=reader, article_id=article.pk, content="Hm.", kind="review", rating=3, confidence=2
    )

    as_reader = _browser(reader).get(f"/a/{article.pk}/", follow=True).content.decode()
    as_author = _browser(author).get(f"/a/{article.pk}/", follow=True).content.decode()

    assert 'id="review-form"' in as_reader
    assert '<option value="review"' in as_reader
    assert '<option value="meta_review"' not in as_reader
    assert "rebuttal-form" not in as_reader
    assert '<option value="review"' not in as_author
    assert "rebuttal-form" in as_author
    assert "Attach a PDF" in as_author


def test_cite_downloads_each_format_exactly_as_the_api_does(author):
    article = published_article(author=author, title="Spectral graphs")
    permalink = f"http://testserver/a/{article.pk}/"  # the short link that leads to the page

    for fmt in ("bibtex", "ris", "csl-json"):
        page = _browser().get(f"/a/{article.pk}/cite?format={fmt}")
        api = _browser().get(f"/api/v1/articles/{article.pk}/cite?format={fmt}")
        assert page.status_code == 200
        assert page["Content-Type"] == api["Content-Type"]
        assert page["Content-Disposition"] == api["Content-Disposition"]
        assert page.content == api.content
    csl = orjson.loads(_browser().get(f"/a/{article.pk}/cite?format=csl-json").content)
    assert csl[0]["URL"] == permalink
    assert csl[0]["title"] == "Spectral graphs"
    assert _browser().get(permalink).status_code == 301  # to the page itself


def test_cite_refuses_an_unknown_format_and_hides_drafts(author, reader):
    article = published_article(author=author)
    draft = article_services.article_create(author=author, title="Draft", content="x")

    assert _browser().get(f"/a/{article.pk}/cite?format=mla").status_code == 400
    assert _browser(reader).get(f"/a/{draft.pk}/cite").status_code == 404
    assert _browser().get("/a/999999/cite").status_code == 404


# --- revisions -------------------------------------------------------------------------------


def _two_revisions(author):
    article = published_article(author=author, title="First title", content="one\n\ntwo\n")
    article_services.article_draft_update(
        article_id=article.pk,
        author=author,
        data={"title": "Second title", "content": "one\n\nthree\n"},
    )
    article_services.article_publish(article_id=article.pk, author=author)
    return article


def test_the_revisions_list_one_revision_and_the_diff(author):
    article = _two_revisions(author)
    browser = _browser()

    listed = browser.get(f"/a/{article.pk}/revisions").content.decode()
    first = browser.get(f"/a/{article.pk}/revisions/1")
    diff = browser.get(f"/a/{article.pk}/revisions/diff?from=1&to=2").content.decode()

    assert listed.index("Revision 2") < listed.index("Revision 1")
    assert first.status_code == 200
    assert "First title" in first.content.decode()
    assert "-First title" in diff
    assert "+Second title" in diff
    assert "-two" in diff
    assert "+three" in diff


def test_bad_diff_parameters_are_a_form_error(author):
    article = _two_revisions(author)

    missing = _browser().get(f"/a/{article.pk}/revisions/diff?from=1")
    unknown = _browser().get(f"/a/{article.pk}/revisions/diff?from=1&to=7")

    assert missing.status_code == 400
    assert 'role="alert"' in missing.content.decode()
    assert unknown.status_code == 404


def test_revisions_of_a_private_article_are_only_its_authors(author, reader):
    article = _two_revisions(author)
    article_services.article_withdraw(article_id=article.pk, author=author)

    for path in ("revisions", "revisions/1", "revisions/diff?from=1&to=2"):
        assert _browser().get(f"/a/{article.pk}/{path}").status_code == 404
        assert _browser(reader).get(f"/a/{article.pk}/{path}").status_code == 404
        assert _browser(author).get(f"/a/{article.pk}/{path}").status_code == 200


def test_a_drafts_revisions_are_404(author, reader):
    draft = article_services.article_create(author=author, title="Draft", content="x")

    assert _browser(reader).get(f"/a/{draft.pk}/revisions").status_code == 404
    assert _browser(reader).get(f"/a/{draft.pk}/revisions/1").status_code == 404


# --- attachments -----------------------------------------------------------------------------


def _pdf(name: str = "paper.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_with_text("spectral"), content_type="application/pdf")


def test_the_author_uploads_and_deletes_a_pdf_on_a_draft(author):
    draft = article_services.article_create(author=author, title="Draft", content="x")
    browser = _browser(author)
    assert 'id="attachment-upload-form"' in browser.get(f"/a/{draft.pk}/edit/").content.decode()

    uploaded = browser.post(f"/a/{draft.pk}/attachments", {"file": _pdf("Results.pdf")})

    assert uploaded.status_code == 303
    attachment = Attachment.objects.get(article_id=draft.pk)
    assert attachment.filename == "Results.pdf"
    edit = browser.get(f"/a/{draft.pk}/edit/").content.decode()
    assert f'href="/attachments/{attachment.pk}"' in edit
    download = browser.get(f"/attachments/{attachment.pk}")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    deleted = browser.post(f"/attachments/{attachment.pk}/delete")

    assert deleted.status_code == 303
    assert not Attachment.objects.filter(article_id=draft.pk).exists()


def test_a_file_that_is_not_a_pdf_is_a_415_form_error(author):
    draft = article_services.article_create(author=author, title="Draft", content="x")
    fake = SimpleUploadedFile("paper.pdf", b"<html>not a pdf</html>", "application/pdf")

    response = _browser(author).post(f"/a/{draft.pk}/attachments", {"file": fake})

    assert response.status_code == 415
    assert 'role="alert"' in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_pdf_over_the_limit_is_a_413_form_error(author, settings):
    settings.ATTACHMENTS_MAX_BYTES = 100
    draft = article_services.article_create(author=author, title="Draft", content="x")

    response = _browser(author).post(f"/a/{draft.pk}/attachments", {"file": _pdf()})

    assert response.status_code == 413
    assert 'role="alert"' in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_drafts_attachments_are_404_to_everyone_else(author, reader):
    draft = article_services.article_create(author=author, title="Draft", content="x")
    attachment = _attach(draft)

    assert _browser(reader).get(f"/a/{draft.pk}/attachments").status_code == 404
    assert _browser(reader).post(f"/a/{draft.pk}/attachments", {"file": _pdf()}).status_code == 404
    assert _browser().get(f"/attachments/{attachment.pk}").status_code == 404
    assert _browser(reader).get(f"/attachments/{attachment.pk}").status_code == 404
    assert _browser(reader).post(f"/attachments/{attachment.pk}/delete").status_code == 404
    assert Attachment.objects.filter(article_id=draft.pk).count() == 1


def test_a_reader_may_not_attach_to_or_delete_from_a_public_article(author, reader):
    article = published_article(author=author)
    attachment = _attach(article)

    upload = _browser(reader).post(f"/a/{article.pk}/attachments", {"file": _pdf()})
    delete = _browser(reader).post(f"/attachments/{attachment.pk}/delete")

    assert upload.status_code == 403
    assert delete.status_code == 403
    assert list(Attachment.objects.values_list("pk", flat=True)) == [attachment.pk]
    assert _browser().get(f"/attachments/{attachment.pk}").status_code == 200


# --- typed reviews ---------------------------------------------------------------------------


def test_a_reader_posts_a_review_with_rating_and_confidence(author, reader):
    article = published_article(author=author)
    form = {"kind": "review", "content": "Convincing.", "rating": "7", "confidence": "3"}

    response = _browser(reader).post(f"/a/{article.pk}/reviews", form)

    review = Comment.objects.get(article_id=article.pk)
    assert response.status_code == 303
    assert response["Location"] == f"/a/{article.pk}/reviews#review-{review.pk}"
    assert (review.kind, review.rating, review.confidence) == ("review", 7, 3)
    page = _browser().get(f"/a/{article.pk}/reviews").content.decode()
    assert 'id="review-count">1<' in page
    assert "Convincing." in page


def test_a_review_without_a_rating_is_a_form_error_and_posts_nothing(author, reader):
    article = published_article(author=author)
    form = {"kind": "review", "content": "No score."}

    response = _browser(reader).post(f"/a/{article.pk}/reviews", form)

    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "No score." in body  # the form keeps what was typed
    assert not Comment.objects.exists()


def test_a_rating_out_of_range_is_a_field_error(author, reader):
    article = published_article(author=author)
    form = {"kind": "review", "content": "x", "rating": "11", "confidence": "3"}

    response = _browser(reader).post(f"/a/{article.pk}/reviews", form)

    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not Comment.objects.exists()


def test_the_author_may_not_review_but_may_rebut(author, reader):
    article = published_article(author=author)
    review = comment_create(
        user=reader, article_id=article.pk, content="Hm.", kind="review", rating=3, confidence=2
    )
    browser = _browser(author)
    own = {"kind": "review", "content": "Mine is great.", "rating": "10", "confidence": "5"}

    refused = browser.post(f"/a/{article.pk}/reviews", own)
    rebuttal = browser.post(
        f"/a/{article.pk}/reviews",
        {"kind": "rebuttal", "content": "See section 2.", "parent_id": str(review.pk)},
    )

    assert refused.status_code in (400, 403)
    assert 'role="alert"' in refused.content.decode()
    assert rebuttal.status_code == 303
    assert list(Comment.objects.values_list("kind", flat=True).order_by("id")) == [
        "review",
        "rebuttal",
    ]
    page = _browser().get(f"/a/{article.pk}/", follow=True).content.decode()
    assert "See section 2." in page


def test_a_meta_review_needs_an_editor_or_moderator(author, reader):
    article = published_article(author=author)
    form = {"kind": "meta_review", "content": "Accept."}

    refused = _browser(reader).post(f"/a/{article.pk}/reviews", form)
    ArticleEditor.objects.create(article_id=article.pk, user=reader)
    offered = _browser(reader).get(f"/a/{article.pk}/reviews").content.decode()
    accepted = _browser(reader).post(f"/a/{article.pk}/reviews", form)

    assert refused.status_code == 403
    assert '<option value="meta_review"' in offered
    assert accepted.status_code == 303
    meta = Comment.objects.get()
    assert meta.kind == "meta_review"
    assert accepted["Location"] == f"/a/{article.pk}/reviews#post-{meta.pk}"
    page = _browser().get(f"/a/{article.pk}/", follow=True).content.decode()
    section = page[page.index('id="reviews"') : page.index('class="comments"')]
    assert f'id="post-{meta.pk}" data-kind="meta_review"' in section
    assert "Accept." in section


def test_a_question_shows_in_the_reviews_section(author, reader):
    article = published_article(author=author)

    response = _browser(reader).post(
        f"/a/{article.pk}/reviews", {"kind": "question", "content": "Which norm?"}
    )

    question = Comment.objects.get()
    assert response.status_code == 303
    assert (question.kind, question.rating, question.root_id) == ("question", None, None)
    page = _browser().get(f"/a/{article.pk}/reviews").content.decode()
    assert f'id="post-{question.pk}" data-kind="question"' in page
    assert "Which norm?" in page


def test_posting_a_review_needs_a_signed_in_user(author):
    article = published_article(author=author)

    response = _browser().post(f"/a/{article.pk}/reviews", {"kind": "question", "content": "?"})

    assert response.status_code == 303
    assert response["Location"].startswith("/login/")
    assert not Comment.objects.exists()


def test_reviews_of_a_draft_are_404(author, reader):
    draft = article_services.article_create(author=author, title="Draft", content="x")
    form = {"kind": "question", "content": "?"}

    assert _browser(reader).get(f"/a/{draft.pk}/reviews").status_code == 404
    assert _browser(reader).post(f"/a/{draft.pk}/reviews", form).status_code == 404
    assert not Comment.objects.exists()


# --- writing: DOI -----------------------------------------------------------------------------


def test_the_article_form_saves_a_doi_in_its_normal_form(author):
    browser = _browser(author)
    draft = article_services.article_create(author=author, title="Draft", content="x")

    response = browser.post(
        f"/a/{draft.pk}/edit/",
        {"title": "Draft", "content": "x", "doi": "https://doi.org/10.5555/ABC.1"},
    )

    assert response.status_code == 303
    draft.refresh_from_db()
    assert draft.doi == "10.5555/abc.1"
    assert 'value="10.5555/abc.1"' in browser.get(f"/a/{draft.pk}/edit/").content.decode()


def test_an_invalid_or_taken_doi_is_a_field_error_and_changes_nothing(author):
    browser = _browser(author)
    other = article_services.article_create(author=author, title="Other", content="y")
    article_services.article_draft_update(
        article_id=other.pk, author=author, data={"doi": "10.5555/taken"}
    )
    draft = article_services.article_create(author=author, title="Draft", content="x")

    invalid = browser.post(
        f"/a/{draft.pk}/edit/", {"title": "Changed", "content": "x", "doi": "not-a-doi"}
    )
    taken = browser.post(
        f"/a/{draft.pk}/edit/", {"title": "Changed", "content": "x", "doi": "10.5555/TAKEN"}
    )

    for response in (invalid, taken):
        assert response.status_code == 400
        assert re.search(r'id="article-doi".*?class="field-error"', response.content.decode(), re.S)
    draft.refresh_from_db()
    assert (draft.title, draft.doi) == ("Draft", None)


def test_import_from_doi_creates_a_draft_from_crossref(author, crossref):  # noqa: F811
    crossref.works[WORK["DOI"].lower()] = WORK
    browser = _browser(author)
    assert 'action="/write/doi-import"' in browser.get("/write/").content.decode()

    response = browser.post("/write/doi-import", {"doi": WORK["DOI"]})

    article = Article.objects.get(author=author)
    assert response.status_code == 303
    assert response["Location"] == f"/a/{article.pk}/edit/"
    assert article.doi == WORK["DOI"].lower()
    assert article.title == WORK["title"][0]


def test_import_of_an_unknown_doi_is_a_page_error_and_creates_nothing(author, crossref):  # noqa: F811
    browser = _browser(author)

    unknown = browser.post("/write/doi-import", {"doi": "10.5555/unknown"})
    invalid = browser.post("/write/doi-import", {"doi": "nonsense"})

    assert unknown.status_code == 404
    assert "does not know this DOI" in unknown.content.decode()
    assert invalid.status_code == 400
    assert 'role="alert"' in invalid.content.decode()
    assert not Article.objects.exists()


def test_a_withdrawn_articles_page_shows_its_author_the_files_but_no_review_thread(author, reader):
    article = published_article(author=author, title="Spectral graphs")
    attachment = _attach(article)
    comment_create(
        user=reader, article_id=article.pk, content="Hm.", kind="review", rating=3, confidence=2
    )
    article_services.article_withdraw(article_id=article.pk, author=author)
    path = f"/a/{article.pk}/spectral-graphs/"

    page = _browser(author).get(path).content.decode()

    assert "Only you can see this article" in page
    assert f'href="/attachments/{attachment.pk}"' in page
    assert 'id="reviews"' not in page
    assert _browser(reader).get(path).status_code == 404
    assert _browser(reader).get(f"/attachments/{attachment.pk}").status_code == 404
    assert _browser(reader).get(f"/a/{article.pk}/reviews").status_code == 404


def test_the_cached_anonymous_page_shows_an_attachment_once_uploaded_and_not_once_deleted(
    author, django_capture_on_commit_callbacks
):
    from apps.attachments.services import attachment_delete

    article = published_article(author=author, title="Spectral graphs")
    path = f"/a/{article.pk}/spectral-graphs/"
    assert 'class="attachments"' not in _browser().get(path).content.decode()  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        attachment = _attach(article)
    shown = _browser().get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(user=author, attachment_id=attachment.pk)
    gone = _browser().get(path).content.decode()

    assert f'href="/attachments/{attachment.pk}"' in shown
    assert f'href="/attachments/{attachment.pk}"' not in gone
