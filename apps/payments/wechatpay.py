"""The WeChat Pay API v3 client: the ``wechatpayv3`` SDK, aimed at ``WECHATPAY_GATEWAY``.

The SDK hard-codes ``https://api.mch.weixin.qq.com`` in ``Core.__init__`` and downloads the
platform certificates from it before returning, so the gateway cannot be changed after
construction. :class:`GatewayCore` sets it just before that first download; everything else
(request signing, response and callback verification, AES-GCM decryption, certificate rotation)
is the SDK's own code. With the local simulator on, the gateway is this site's ``/wechat-sim``.

One client per process, built on first use (it holds the merchant key and the downloaded
platform certificates).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

logger = logging.getLogger(__name__)

_client: WeChatPay | None = None
_client_lock = threading.Lock()


class GatewayCore(Core):
    def __init__(self, *, gateway: str, **options: Any) -> None:
        self._configured_gateway = gateway.rstrip("/")
        super().__init__(**options)

    def _init_certificates(self) -> None:
        self._gate_way = self._configured_gateway
        super()._init_certificates()


class GatewayWeChatPay(WeChatPay):
    """``WeChatPay`` with its ``Core`` replaced by a :class:`GatewayCore`."""

    def __init__(self, *, gateway: str, wechatpay_type: WeChatPayType, **options: Any) -> None:
        # The wrapper's own state, as WeChatPay.__init__ sets it; its Core would contact the
        # hard-coded gateway at once, so it is built here instead.
        self._type = wechatpay_type
        self._mchid = options["mchid"]
        self._appid = options.pop("appid")
        self._notify_url = options.pop("notify_url")
        self._partner_mode = False
        self._core = GatewayCore(gateway=gateway, **options)


def wechatpay_client() -> WeChatPay:
    global _client
    with _client_lock:
        if _client is None:
            _client = _build()
        return _client


def wechatpay_client_reset() -> None:
    """Forget the client (tests that change the gateway or the keys)."""
    global _client
    with _client_lock:
        _client = None


def _build() -> WeChatPay:
    private_key = Path(settings.WECHATPAY_PRIVATE_KEY_PATH).read_text()
    serial_no = settings.WECHATPAY_CERT_SERIAL_NO or _serial_of(settings.WECHATPAY_CERT_PATH)
    cert_dir = str(settings.WECHATPAY_CERT_DIR) if settings.WECHATPAY_CERT_DIR else None
    return GatewayWeChatPay(
        gateway=settings.WECHATPAY_GATEWAY,
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=settings.WECHATPAY_MCHID,
        private_key=private_key,
        cert_serial_no=serial_no,
        appid=settings.WECHATPAY_APPID,
        apiv3_key=settings.WECHATPAY_APIV3_KEY,
        notify_url=settings.WECHATPAY_NOTIFY_URL,
        cert_dir=cert_dir,
        logger=logger,
        timeout=settings.WECHATPAY_TIMEOUT,
    )


def _serial_of(certificate_path: str) -> str:
    """The merchant certificate's serial number as WeChat writes it: upper-case hex."""
    certificate = x509.load_pem_x509_certificate(Path(certificate_path).read_bytes())
    return f"{certificate.serial_number:X}"
