"""Tokens signed with our key but carrying claims we never issue: every one is 401 token_invalid.

Holding the signing key is the only way to make such a token, so these are edge cases of a leaked
key or a bug, not of ordinary clients; what matters is that none of them reaches a 500 or a 400.
"""

import time

import jwt
import pytest
from django.conf import settings

from apps.users.models import UserSession
from apps.users.tokens import user_agent_hash
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
REFRESH = "/api/v1/auth/refresh"
SID = "8d6f1f0e-3a8e-4a4e-9a58-5d3a3b9b8d11"
INVALID = {"detail": "The token is not valid.", "code": "token_invalid", "extra": {}}


def _forge(token_type: str, **claims: object) -> str:
    now = int(time.time())
    payload = {"token_type": token_type, "exp": now + 600, "iat": now, "jti": "f" * 32}
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not ...}
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


MALFORMED = [
    pytest.param({"user_id": "x"}, id="user_id-not-a-number"),
    pytest.param({"user_id": 7}, id="user_id-an-int"),
    pytest.param({"user_id": "-1"}, id="user_id-negative"),
    pytest.param({"user_id": "0"}, id="user_id-zero"),
    pytest.param({"user_id": "1" * 30}, id="user_id-beyond-bigint"),
    pytest.param({"user_id": ...}, id="user_id-missing"),
    pytest.param({"sid": {"a": 1}}, id="sid-an-object"),
    pytest.param({"sid": ["x"]}, id="sid-a-list"),
    pytest.param({"sid": "not-a-uuid"}, id="sid-not-a-uuid"),
    pytest.param({"sid": ...}, id="sid-missing"),
    pytest.param({"exp": 1e30}, id="exp-overflows"),
    pytest.param({"exp": "soon"}, id="exp-a-string"),
]


@pytest.mark.parametrize("claims", MALFORMED)
def test_malformed_refresh_claims_are_token_invalid(api_client, claims):
    user = UserFactory()
    token = _forge("refresh", **{"user_id": str(user.pk), "sid": SID, "gen": 0, **claims})

    response = api_client.post(REFRESH, {"refresh": token})

    assert (response.status_code, response.json()) == (401, INVALID)
    assert UserSession.objects.count() == 0


@pytest.mark.parametrize(
    "generation",
    [pytest.param(True, id="bool"), pytest.param("0", id="str"), pytest.param(-1, id="negative")],
)
def test_malformed_refresh_generation_is_token_invalid(api_client, generation):
    user = UserFactory()
    token = _forge("refresh", user_id=str(user.pk), sid=SID, gen=generation)

    response = api_client.post(REFRESH, {"refresh": token})

    assert (response.status_code, response.json()) == (401, INVALID)


@pytest.mark.parametrize("claims", [*MALFORMED, pytest.param({"uah": {"x": 1}}, id="uah-object")])
def test_malformed_access_claims_are_token_invalid(api_client, claims):
    user = UserFactory()
    token = _forge("access", **{"user_id": str(user.pk), "sid": SID, "uah": "", **claims})

    response = bearer(api_client, token).get(ME, HTTP_USER_AGENT=USER_AGENT)

    assert (response.status_code, response.json()) == (401, INVALID)


def test_a_real_sessions_refresh_with_a_foreign_user_id_is_token_invalid(api_client, user):
    sid = login(api_client, user.email)["session_id"]
    token = _forge("refresh", user_id=str(UserFactory().pk), sid=sid, gen=0)

    response = api_client.post(REFRESH, {"refresh": token})

    assert (response.status_code, response.json()) == (401, INVALID)
    session = UserSession.objects.get()
    assert (session.refresh_generation, session.revoked_at) == (0, None)


def test_an_access_token_of_a_session_that_never_existed_is_refused_at_refresh_only(api_client):
    """The documented trade-off (apps/users/README.md): access tokens are not checked against
    the session table, so a forged one lives at most its 30 minutes; refresh checks the row."""
    user = UserFactory()
    access = _forge("access", user_id=str(user.pk), sid=SID, uah=user_agent_hash(USER_AGENT))
    refresh = _forge("refresh", user_id=str(user.pk), sid=SID, gen=0)

    assert bearer(api_client, access).get(ME).status_code == 200
    assert api_client.post(REFRESH, {"refresh": refresh}).json() == INVALID
