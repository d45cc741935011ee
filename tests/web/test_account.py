"""The pages' sign-in: the users app's services behind forms, bound to a platform session."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from apps.sms.models import SmsMessage
from apps.users import revocation
from apps.users.models import UserSession
from apps.users.sessions import SESSION_ID_KEY
from apps.web.auth import sign_in_test_client
from tests.users.factories import PASSWORD, UserFactory
from tests.users.wechat.stubs import stub_token, stub_user_info

pytestmark = pytest.mark.django_db

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
PHONE = "+8613800138000"


@pytest.fixture(autouse=True)
def _fresh_session_breaker():
    revocation.reset_breaker()
    yield
    revocation.reset_breaker()


@pytest.fixture
def client() -> Client:
    return Client(HTTP_USER_AGENT=USER_AGENT)


@pytest.fixture
def user():
    return UserFactory(email="ada@example.org", nickname="Ada")


def _login(client: Client, email: str, password: str, **extra):
    return client.post("/login/", {"email": email, "password": password, **extra}, **{})


def _signed_in_as(client: Client):
    response = client.get("/me/sessions/")
    return response.status_code == 200


def test_the_login_page_offers_the_three_ways_and_a_csrf_token(client):
    response = client.get("/login/")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'action="/login/"' in body
    assert "/login/?tab=sms" in body
    assert "/login/wechat/" in body


def test_a_password_login_starts_a_platform_session_bound_to_the_cookie(client, user):
    response = _login(client, user.email, PASSWORD, next="/me/sessions/")

    assert response.status_code == 303
    assert response["Location"] == "/me/sessions/"
    session = UserSession.objects.get(user=user)
    assert client.session[SESSION_ID_KEY] == str(session.sid)
    page = client.get("/me/sessions/")
    assert page.status_code == 200
    assert "this browser" in page.content.decode()


def test_a_wrong_password_is_the_apis_error_on_the_form(client, user):
    response = _login(client, user.email, "not-the-password")

    assert response.status_code == 401
    assert "The email or password is not correct." in response.content.decode()
    assert UserSession.objects.count() == 0
    assert not _signed_in_as(client)


def test_an_offsite_next_is_ignored(client, user):
    response = _login(client, user.email, PASSWORD, next="https://evil.example/")

    assert response["Location"] == "/"


@override_settings(RATELIMIT_LOGIN_FAILURES_ACCOUNT="3/15m")
def test_failures_are_counted_as_the_apis_are_and_then_even_the_right_password_is_429(client, user):
    for _ in range(2):
        assert _login(client, user.email, "wrong").status_code == 401
    # The API and the page spend one budget: the third failure is the API's.
    api = client.post(
        "/api/v1/auth/login",
        {"email": user.email, "password": "wrong"},
        content_type="application/json",
    )
    assert api.status_code == 401

    response = _login(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "Too many" in response.content.decode()
    assert UserSession.objects.count() == 0


def test_a_revoked_platform_session_signs_the_browser_out_on_the_next_request(client, user):
    _login(client, user.email, PASSWORD)
    assert _signed_in_as(client)
    # Revoked elsewhere (the API's session list, another browser's "sign out elsewhere").
    UserSession.objects.get(user=user)
    from apps.users.services import sessions_revoke_all

    sessions_revoke_all(user=user)

    response = client.get("/me/sessions/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert SESSION_ID_KEY not in client.session


def test_an_expired_platform_session_signs_the_browser_out(client, user):
    _login(client, user.email, PASSWORD)
    session = client.session
    session["_scholarnet_sid_expires"] = "2000-01-01T00:00:00+00:00"
    session.save()

    assert client.get("/me/sessions/").status_code == 302


def test_only_page_requests_with_a_session_cookie_pay_the_check(client, user, monkeypatch):
    checked: list[str] = []
    real_check = revocation.session_state_get

    def counting_check(session_id, **kwargs):
        checked.append(session_id)
        return real_check(session_id, **kwargs)

    monkeypatch.setattr(revocation, "session_state_get", counting_check)
    assert Client().get("/login/").status_code == 200  # no session cookie: nothing to check
    assert checked == []
    _login(client, user.email, PASSWORD)
    sid = client.session[SESSION_ID_KEY]
    from apps.users.services import sessions_revoke_all

    sessions_revoke_all(user=user)
    # Under /api/ the middleware does nothing: DRF authenticates those requests itself, and
    # the web session is still there afterwards.
    client.get("/api/v1/articles")
    assert checked == []
    assert client.session.get(SESSION_ID_KEY) == sid

    client.get("/me/sessions/")

    assert checked == [sid]
    assert SESSION_ID_KEY not in client.session


def test_a_redis_outage_is_a_503_not_a_sign_out(client, user, monkeypatch):
    from apps.users.errors import SessionCheckUnavailable

    _login(client, user.email, PASSWORD)

    def unavailable(session_id, **kwargs):
        raise SessionCheckUnavailable()

    monkeypatch.setattr(revocation, "session_state_get", unavailable)
    response = client.get("/me/sessions/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    monkeypatch.undo()
    assert _signed_in_as(client)


@override_settings(RATELIMIT_CODE_SEND_IP="2/1h")
def test_code_sends_from_one_address_are_throttled_as_the_apis_are(client):
    for n in range(2):
        assert client.post("/login/sms/send", {"phone": f"+861380013800{n}"}).status_code == 200

    response = client.post("/login/sms/send", {"phone": "+8613800138009"})

    assert response.status_code == 429
    assert SmsMessage.objects.count() == 2


def test_logout_is_post_only_with_csrf_and_revokes_the_platform_session(user):
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=USER_AGENT)
    page = browser.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert browser.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 403
    signed_in = browser.post(
        "/login/", {"email": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert signed_in.status_code == 303
    assert browser.get("/logout/").status_code == 405
    assert browser.post("/logout/").status_code == 403  # the token rotated at sign-in

    sessions = browser.get("/me/sessions/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sessions)[1]
    response = browser.post("/logout/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 303
    assert UserSession.objects.get(user=user).revoked_at is not None
    assert browser.get("/me/sessions/").status_code == 302


def test_register_signs_the_new_account_in(client):
    response = client.post(
        "/register/", {"email": "grace@example.org", "password": PASSWORD, "nickname": "Grace"}
    )

    assert response.status_code == 303
    assert response["Location"] == "/write/"
    assert UserSession.objects.filter(user__email="grace@example.org").count() == 1
    assert _signed_in_as(client)


def test_register_shows_the_apis_errors_on_the_form(client, user):
    taken = client.post("/register/", {"email": user.email, "password": PASSWORD})
    weak = client.post("/register/", {"email": "new@example.org", "password": "123"})
    invalid = client.post("/register/", {"email": "not-an-email", "password": PASSWORD})

    assert taken.status_code == 409
    assert "An account with this email already exists." in taken.content.decode()
    assert weak.status_code == 400
    assert "too short" in weak.content.decode()
    assert invalid.status_code == 400
    assert "Enter a valid email address." in invalid.content.decode()


def test_sessions_page_signs_out_one_or_every_other_session(client, user):
    _login(client, user.email, PASSWORD)
    other_browsers = [Client(HTTP_USER_AGENT="Other/1.0") for _ in range(2)]
    for other in other_browsers:
        _login(other, user.email, PASSWORD)
    current = client.session[SESSION_ID_KEY]
    first, second = (other.session[SESSION_ID_KEY] for other in other_browsers)

    assert client.post(f"/me/sessions/{first}/revoke").status_code == 303
    assert not _signed_in_as(other_browsers[0])
    assert _signed_in_as(other_browsers[1])

    assert client.post("/me/sessions/sign-out-elsewhere").status_code == 303

    assert not _signed_in_as(other_browsers[1])
    assert _signed_in_as(client)
    live = UserSession.objects.filter(user=user, revoked_at__isnull=True)
    assert [str(session.sid) for session in live] == [current]
    assert second != current


def test_someone_elses_session_cannot_be_revoked_from_the_page(client, user):
    _login(client, user.email, PASSWORD)
    stranger = UserFactory()
    theirs = Client(HTTP_USER_AGENT=USER_AGENT)
    sign_in_test_client(theirs, stranger)
    sid = theirs.session[SESSION_ID_KEY]

    assert client.post(f"/me/sessions/{sid}/revoke").status_code == 404
    assert _signed_in_as(theirs)


def _sent_code(phone: str) -> str:
    message = SmsMessage.objects.filter(phone=phone).latest("id")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def test_sms_code_login_sends_then_verifies(client):
    sent = client.post("/login/sms/send", {"phone": PHONE})
    assert sent.status_code == 200
    assert "A code is on its way" in sent.content.decode()

    again = client.post("/login/sms/send", {"phone": PHONE})
    assert again.status_code == 429  # the codes app's resend interval, as the API answers it

    wrong = client.post("/login/sms/verify", {"phone": PHONE, "code": "000000"})
    assert wrong.status_code == 400

    response = client.post("/login/sms/verify", {"phone": PHONE, "code": _sent_code(PHONE)})
    assert response.status_code == 303
    assert UserSession.objects.filter(user__phone=PHONE).count() == 1
    assert _signed_in_as(client)


def test_sms_send_refuses_a_malformed_phone_with_the_apis_message(client):
    response = client.post("/login/sms/send", {"phone": "12"})

    assert response.status_code == 400
    assert SmsMessage.objects.count() == 0


def test_wechat_qr_login_through_the_callback(client, settings):
    import responses

    settings.WECHAT_LOGIN_ENABLED = True
    settings.SOCIAL_AUTH_WEIXIN_KEY = "wx0123456789abcdef"
    settings.SOCIAL_AUTH_WEIXIN_SECRET = "test-app-secret"
    settings.WECHAT_REDIRECT_URI = ""
    settings.WECHAT_OAUTH_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/qrconnect"
    settings.WECHAT_OAUTH_ACCESS_TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"
    settings.WECHAT_OAUTH_USERINFO_URL = "https://api.weixin.qq.com/sns/userinfo"

    start = client.get("/login/wechat/")
    assert start.status_code == 200
    body = start.content.decode()
    assert "<svg" in body
    url = re.search(r'href="([^"]+)" id="wechat-authorize"', body)[1].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert query["redirect_uri"] == ["http://testserver/login/wechat/callback"]
    state = query["state"][0]

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stub_token(mock)
        stub_user_info(mock)
        forged = Client(HTTP_USER_AGENT=USER_AGENT).get(
            "/login/wechat/callback", {"code": "c", "state": state}
        )
        assert forged.status_code == 400  # not the browser that started it
        response = client.get("/login/wechat/callback", {"code": "wechat-code", "state": state})

    assert response.status_code == 303
    assert UserSession.objects.filter(user__nickname="张三").count() == 1
    assert _signed_in_as(client)


def test_wechat_callback_keeps_the_configured_site(client, settings):
    settings.WECHAT_LOGIN_ENABLED = True
    settings.SOCIAL_AUTH_WEIXIN_KEY = "wx0123456789abcdef"
    settings.SOCIAL_AUTH_WEIXIN_SECRET = "test-app-secret"
    settings.WECHAT_REDIRECT_URI = "https://scholarnet.example/api/v1/auth/wechat/callback"

    body = client.get("/login/wechat/").content.decode()

    url = re.search(r'href="([^"]+)" id="wechat-authorize"', body)[1].replace("&amp;", "&")
    redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"]
    assert redirect_uri == ["https://scholarnet.example/login/wechat/callback"]


def test_wechat_tab_when_disabled_says_so(client, settings):
    settings.WECHAT_LOGIN_ENABLED = False

    response = client.get("/login/wechat/")

    assert response.status_code == 404
    assert "WeChat login is not enabled." in response.content.decode()
