from __future__ import annotations

import pytest

from apps.payments.wechatpay import wechatpay_client_reset
from tests.wechat_sim.routing import site_over_http


@pytest.fixture
def wechat():
    """The SDK talks to the simulator through the test client (built fresh per test)."""
    wechatpay_client_reset()
    with site_over_http() as mock:
        yield mock
    wechatpay_client_reset()
