"""The reward_create_first scenario: the stand-in WeChat gateway answers the real SDK's prepay,
so each first click makes a new reward and a new payment order with its code_url."""

from __future__ import annotations

import pytest

from apps.payments.models import Payment
from apps.payments.wechatpay import wechatpay_client_reset
from apps.rewards import services as rewards
from apps.rewards.models import Reward
from bench.scenarios import PAYMENT_APIV3_KEY, REWARD_GATEWAY_PORT, SCENARIOS, reward_first_lua
from bench.servers import free_port
from bench.wechat_gateway import gateway_keys, gateway_start
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(tmp_path, settings):
    keys = gateway_keys(tmp_path, apiv3_key=PAYMENT_APIV3_KEY)
    port = free_port()
    server = gateway_start(port=port, keys=keys)
    settings.WECHATPAY_GATEWAY = f"http://127.0.0.1:{port}"
    settings.WECHATPAY_MCHID = "1900000109"
    settings.WECHATPAY_APPID = "wxbench"
    settings.WECHATPAY_APIV3_KEY = PAYMENT_APIV3_KEY
    settings.WECHATPAY_PRIVATE_KEY_PATH = str(tmp_path / "merchant_key.pem")
    settings.WECHATPAY_CERT_SERIAL_NO = ""
    settings.WECHATPAY_CERT_PATH = str(tmp_path / "merchant_cert.pem")
    settings.WECHATPAY_CERT_DIR = str(tmp_path / "platform-certs")
    settings.WECHAT_SIMULATOR_ENABLED = False
    wechatpay_client_reset()
    yield server
    server.shutdown()
    server.server_close()
    wechatpay_client_reset()


def test_each_first_click_is_a_new_reward_and_order_prepaid_at_the_gateway(gateway):
    article = published_article(author=UserFactory(), title="Tips")
    payer = UserFactory()

    first = rewards.reward_create(payer_id=payer.pk, article_id=article.pk, amount=1)
    second = rewards.reward_create(payer_id=payer.pk, article_id=article.pk, amount=2)

    assert first.pk != second.pk
    assert Reward.objects.count() == Payment.objects.count() == 2
    assert first.code_url == f"weixin://wxpay/bizpayurl?pr={first.out_trade_no}"
    assert second.code_url == f"weixin://wxpay/bizpayurl?pr={second.out_trade_no}"


def test_the_scenario_points_the_server_at_the_gateway_and_its_script_varies_the_pair(tmp_path):
    scenario = SCENARIOS["reward_create_first"]
    assert scenario.server_env["WECHATPAY_GATEWAY"] == f"http://127.0.0.1:{REWARD_GATEWAY_PORT}"
    assert scenario.method == "POST"
    script = reward_first_lua(token="t", ids="3,4", offset_file=tmp_path / "offset")
    assert "local ids = {3,4}" in script
    assert 'thread:set("first", start + (threads - 1) * 100000)' in script
