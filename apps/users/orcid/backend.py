"""social-core's ``ORCIDOAuth2`` with ORCID's addresses from settings and no pipeline."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from social_core.backends.orcid import ORCIDOAuth2
from social_core.exceptions import AuthResponseError, AuthSessionError
from social_core.storage import BaseStorage
from social_core.utils import constant_time_compare
from social_django.strategy import DjangoStrategy

STATE_KEY = "orcid_state"
ORCID_ID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_id_valid(value: str) -> bool:
    """The format and the ISO 7064 11,2 check digit ORCID iDs carry."""
    if not ORCID_ID.match(value):
        return False
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


class OrcidStrategy(DjangoStrategy):
    """A DjangoStrategy whose "session" is a dict holding only this attempt's state (from the
    state cookie), and whose storage is the bare base class: nothing is stored through it."""

    def __init__(self, request: HttpRequest, *, state: str) -> None:
        self.request = request
        self.session = {STATE_KEY: state}  # type: ignore[assignment]
        super(DjangoStrategy, self).__init__(BaseStorage)


class OrcidOAuth(ORCIDOAuth2):
    """Answers ORCID's identity (``{"orcid", "given_name", "family_name"}``), not a user."""

    # ORCID returns the state parameter; the redirect URI must be exactly the registered one.
    REDIRECT_STATE = False

    @property
    def AUTHORIZATION_URL(self) -> str:  # type: ignore[override]
        return settings.ORCID_AUTHORIZE_URL

    @property
    def ACCESS_TOKEN_URL(self) -> str:  # type: ignore[override]
        return settings.ORCID_TOKEN_URL

    @property
    def USER_ID_URL(self) -> str:  # type: ignore[override]
        return settings.ORCID_USERINFO_URL

    @property
    def USER_DATA_URL(self) -> str:  # type: ignore[override]
        return settings.ORCID_RECORD_URL

    # The state is the one in the attempt cookie (apps.users.orcid.state), as in the WeChat
    # backend: no session or nonce storage behind the strategy.
    def get_or_create_state(self) -> str:
        return self._expected_state(stage="begin")

    def validate_state(self) -> str:
        expected = self._expected_state(stage="callback")
        received = self.get_request_state()
        if not isinstance(received, str) or not constant_time_compare(received, expected):
            raise AuthSessionError(self, code="state_mismatch", stage="callback")
        return expected

    def _expected_state(self, *, stage: Any) -> str:
        state = self.strategy.session_get(STATE_KEY)
        if not state:
            raise AuthSessionError(self, code="session_context_missing", stage=stage)
        return state

    def do_auth(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        record = self.user_data(access_token, response=kwargs["response"]) or {}
        details = self.get_user_details(record)
        orcid = details.get("username") or ""
        # The token reply names the iD too; both must agree, and it must be a real iD.
        if not orcid_id_valid(orcid) or kwargs["response"].get("orcid", orcid) != orcid:
            raise AuthResponseError(self, code="missing_claim", claim="orcid", stage="user_info")
        return {
            "orcid": orcid,
            "given_name": details.get("first_name") or "",
            "family_name": details.get("last_name") or "",
        }
