"""ORCID sign-in and linking against the ORCID simulator (apps.orcid_sim), in-process."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.orcid_sim.oauth import orcid_id_for
from apps.users.models import User, UserSession
from apps.users.orcid.backend import orcid_id_valid
from tests.users.conftest import USER_AGENT, bearer
from tests.users.factories import UserFactory
from tests.wechat_sim.routing import site_over_http

pytestmark = pytest.mark.django_db

AUTHORIZE = "/api/v1/auth/orcid/authorize"
CALLBACK = "/api/v1/auth/orcid/callback"
LINK = "/api/v1/me/orcid/link"
UNLINK = "/api/v1/me/orcid/unlink"
ADA = orcid_id_for("Ada Lovelace")


@pytest.fixture(autouse=True)
def orcid_http():
    with site_over_http() as mock:
        yield mock


def at_orcid(url: str, *, name: str = "Ada Lovelace", deny: bool = False) -> dict[str, str]:
    """The browser at the simulator's page: authorize as ``name``; answers the callback query."""
    parts = urlsplit(url)
    form = {"name": name, **({"deny": "1"} if deny else {})}
    page = Client().post(f"{parts.path}?{parts.query}", form)
    assert page.status_code == 302, page.content
    location = urlsplit(page["Location"])
    assert location.path == CALLBACK
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def orcid_flow(client: APIClient, start: str = AUTHORIZE, **at_orcid_kwargs):
    method = client.post if start == LINK else client.get
    started = method(start)
    assert started.status_code == 200, started.json()
    query = at_orcid(started.json()["url"], **at_orcid_kwargs)
    return client.get(CALLBACK, query)


def test_the_simulators_ids_are_valid_orcid_ids():
    assert orcid_id_valid("0000-0002-1825-0097")  # ORCID's documented example
    assert not orcid_id_valid("0000-0002-1825-0098")
    assert orcid_id_valid(ADA)
    assert orcid_id_for("Ada Lovelace") == ADA != orcid_id_for("Grace Hopper")


def test_authorize_answers_orcids_url_and_sets_the_state_cookie(api_client):
    response = api_client.get(AUTHORIZE)

    assert response.status_code == 200
    url = urlsplit(response.json()["url"])
    assert url.path == "/orcid-sim/oauth/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == ["APP-SIMULATOR000001"]
    assert query["scope"] == ["/authenticate"]
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    assert response.cookies["orcid_state"]["httponly"]


def test_a_first_orcid_sign_in_creates_the_account(api_client):
    response = orcid_flow(api_client)

    assert response.status_code == 200, response.json()
    user = User.objects.get(orcid_id=ADA)
    assert user.nickname == "Ada Lovelace"
    assert user.email is None
    assert not user.has_usable_password()
    assert UserSession.objects.get(sid=response.json()["session_id"]).user == user
    assert response.cookies["orcid_state"].value == ""  # cleared


def test_a_later_orcid_sign_in_finds_the_linked_account(api_client):
    existing = UserFactory(email="ada@example.org", orcid_id=ADA)

    response = orcid_flow(APIClient(HTTP_USER_AGENT=USER_AGENT))

    assert response.status_code == 200
    assert UserSession.objects.get(sid=response.json()["session_id"]).user == existing
    assert User.objects.count() == 1


def test_a_callback_with_another_browsers_state_is_refused(api_client):
    started = api_client.get(AUTHORIZE)
    query = at_orcid(started.json()["url"])

    response = APIClient(HTTP_USER_AGENT=USER_AGENT).get(CALLBACK, query)  # no cookie

    assert response.status_code == 400
    assert response.json()["code"] == "orcid_state_invalid"
    assert not User.objects.exists()


def test_a_code_is_exchanged_once(api_client):
    started = api_client.get(AUTHORIZE)
    query = at_orcid(started.json()["url"])
    assert api_client.get(CALLBACK, query).status_code == 200

    replay = APIClient(HTTP_USER_AGENT=USER_AGENT)
    replay.cookies = api_client.cookies  # even with the state cookie kept by hand
    replay.cookies["orcid_state"] = started.cookies["orcid_state"].value
    response = replay.get(CALLBACK, query)

    assert response.status_code == 400
    assert response.json()["code"] == "orcid_auth_failed"
    assert UserSession.objects.count() == 1


def test_denying_at_orcid_is_cancelled(api_client):
    response = orcid_flow(api_client, deny=True)
    assert response.status_code == 400
    assert response.json()["code"] == "orcid_auth_cancelled"
    assert not User.objects.exists()


def test_orcid_away_is_503(api_client, settings):
    started = api_client.get(AUTHORIZE)
    query = at_orcid(started.json()["url"])
    # Not the test server: the HTTP mock refuses the connection.
    settings.ORCID_TOKEN_URL = "http://orcid.invalid/oauth/token"

    response = api_client.get(CALLBACK, query)

    assert response.status_code == 503
    assert response.json()["code"] == "orcid_unavailable"
    assert not User.objects.exists()


def test_disabled_orcid_login_is_404(api_client, settings):
    settings.ORCID_LOGIN_ENABLED = False
    response = api_client.get(AUTHORIZE)
    assert response.status_code == 404
    assert response.json()["code"] == "orcid_login_disabled"


def test_an_orcid_user_with_two_factor_gets_a_challenge(api_client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(orcid_id=ADA)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    response = orcid_flow(api_client)

    assert response.status_code == 200
    assert response.json()["mfa_required"] is True
    assert not UserSession.objects.exists()


@pytest.fixture
def signed_in_user(api_client, user) -> User:
    from tests.users.conftest import login

    bearer(api_client, login(api_client, user.email)["access"])
    return user


def test_a_signed_in_user_links_an_orcid_id(api_client, signed_in_user):
    response = orcid_flow(api_client, start=LINK)

    assert response.status_code == 200, response.json()
    assert response.json() == {"orcid": {"id": ADA, "verified": True}}
    signed_in_user.refresh_from_db()
    assert signed_in_user.orcid_id == ADA
    assert UserSession.objects.count() == 1  # linking starts no session
    assert User.objects.count() == 1


def test_the_profile_shows_a_linked_id_as_verified_and_drops_it_on_unlink(
    api_client, signed_in_user, django_capture_on_commit_callbacks
):
    anonymous = APIClient()
    profile = f"/api/v1/users/{signed_in_user.pk}"
    assert anonymous.get(profile).json()["orcid"] is None  # now cached, fast path included

    with django_capture_on_commit_callbacks(execute=True):  # the cache is dropped on commit
        orcid_flow(api_client, start=LINK)
    assert anonymous.get(profile).json()["orcid"] == {"id": ADA, "verified": True}
    assert api_client.get(profile).json()["orcid"] == {"id": ADA, "verified": True}

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(UNLINK)

    assert response.status_code == 200
    assert response.json() == {"orcid": None}
    assert anonymous.get(profile).json()["orcid"] is None
    signed_in_user.refresh_from_db()
    assert signed_in_user.orcid_id is None


def test_an_id_linked_to_another_account_is_refused(api_client, signed_in_user):
    other = UserFactory(orcid_id=ADA)

    response = orcid_flow(api_client, start=LINK)

    assert response.status_code == 409
    assert response.json()["code"] == "orcid_taken"
    signed_in_user.refresh_from_db()
    assert signed_in_user.orcid_id is None
    other.refresh_from_db()
    assert other.orcid_id == ADA


def test_linking_a_second_id_is_refused(api_client, signed_in_user):
    signed_in_user.orcid_id = orcid_id_for("Grace Hopper")
    signed_in_user.save(update_fields=["orcid_id"])

    response = orcid_flow(api_client, start=LINK)

    assert response.status_code == 409
    assert response.json()["code"] == "orcid_already_linked"


def test_unlinking_the_only_way_to_sign_in_is_refused(api_client):
    orcid_flow(api_client)  # an ORCID-only account, signed in on api_client's cookies
    user = User.objects.get(orcid_id=ADA)
    tokens = orcid_flow(APIClient(HTTP_USER_AGENT=USER_AGENT)).json()
    client = bearer(APIClient(HTTP_USER_AGENT=USER_AGENT), tokens["access"])

    response = client.post(UNLINK)

    assert response.status_code == 409
    assert response.json()["code"] == "orcid_last_sign_in"
    user.refresh_from_db()
    assert user.orcid_id == ADA


def test_unlink_without_a_link_is_refused(api_client, signed_in_user):
    response = api_client.post(UNLINK)
    assert response.status_code == 409
    assert response.json()["code"] == "orcid_not_linked"


def test_link_needs_a_signed_in_user(api_client):
    assert api_client.post(LINK).status_code == 401
