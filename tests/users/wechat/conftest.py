"""WeChat login runs against stubbed WeChat endpoints; no test reaches the network."""

from __future__ import annotations

import pytest
import responses

from tests.users.wechat.stubs import APP_ID, APP_SECRET, REDIRECT_URI


@pytest.fixture
def wechat_settings(settings):
    settings.WECHAT_LOGIN_ENABLED = True
    settings.SOCIAL_AUTH_WEIXIN_KEY = APP_ID
    settings.SOCIAL_AUTH_WEIXIN_SECRET = APP_SECRET
    settings.WECHAT_REDIRECT_URI = REDIRECT_URI
    return settings


@pytest.fixture
def wechat_http():
    """WeChat's HTTP API; a request that no stub matches fails with a connection error."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
