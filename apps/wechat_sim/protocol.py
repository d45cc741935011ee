"""WeChat Pay API v3's cryptography, WeChat's side of it (https://pay.weixin.qq.com/doc/v3).

- A merchant request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…``; the signature is RSA-SHA256 (PKCS#1 v1.5) over
  ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the merchant's key.
- A response or notification carries ``Wechatpay-Timestamp``, ``-Nonce``, ``-Serial`` (the
  platform certificate's serial, upper-case hex), ``-Signature`` (RSA-SHA256 over
  ``TIMESTAMP\\nNONCE\\nBODY\\n`` with the platform key) and ``-Signature-Type``.
- Encrypted resources (platform certificates, notification bodies) are AEAD_AES_256_GCM with the
  merchant's 32-byte APIv3 key, a 12-character nonce and ``associated_data``, base64 of
  ciphertext‖tag.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from apps.wechat_sim.keys import SimulatorKeys

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
_NONCE_ALPHABET = string.ascii_letters + string.digits
# WeChat refuses a request signed more than 5 minutes from its clock.
REQUEST_MAX_SKEW = 300


@dataclass(frozen=True)
class MerchantCall:
    mchid: str
    serial_no: str


class AuthorizationError(Exception):
    """The request's Authorization header is missing, malformed or does not verify."""


def nonce(length: int = 32) -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def verify_merchant_request(
    *, keys: SimulatorKeys, method: str, path: str, body: str, authorization: str
) -> MerchantCall:
    scheme, _, fields_text = authorization.partition(" ")
    if scheme != SIGNATURE_TYPE:
        raise AuthorizationError("unsupported signature type")
    fields = dict(_AUTH_FIELD.findall(fields_text))
    try:
        timestamp = int(fields["timestamp"])
        message = f"{method}\n{path}\n{timestamp}\n{fields['nonce_str']}\n{body}\n"
        signature = base64.b64decode(fields["signature"])
    except (KeyError, ValueError) as error:
        raise AuthorizationError("malformed Authorization header") from error
    if abs(time.time() - timestamp) > REQUEST_MAX_SKEW:
        raise AuthorizationError("request timestamp expired")
    merchant = keys.merchant.certificate()
    if fields.get("serial_no", "").upper() != f"{merchant.serial_number:X}":
        raise AuthorizationError("unknown merchant certificate serial")
    public_key = merchant.public_key()
    assert isinstance(public_key, RSAPublicKey)
    try:
        public_key.verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise AuthorizationError("signature does not verify") from error
    return MerchantCall(mchid=fields.get("mchid", ""), serial_no=fields["serial_no"])


def platform_signature_headers(
    *, keys: SimulatorKeys, body: str, timestamp: int | None = None, nonce_str: str | None = None
) -> dict[str, str]:
    """The Wechatpay-* headers that sign ``body`` as WeChat does."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce_str = nonce_str or nonce()
    message = f"{timestamp}\n{nonce_str}\n{body}\n".encode()
    signature = _platform_key(keys).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce_str,
        "Wechatpay-Signature": base64.b64encode(signature).decode(),
        "Wechatpay-Serial": keys.platform.serial_no(),
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def encrypt_resource(
    *, keys: SimulatorKeys, plaintext: str, associated_data: str, original_type: str
) -> dict[str, Any]:
    resource_nonce = nonce(12)
    sealed = AESGCM(keys.apiv3_key.encode()).encrypt(
        resource_nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(sealed).decode(),
        "associated_data": associated_data,
        "original_type": original_type,
        "nonce": resource_nonce,
    }


_private_keys: dict[str, RSAPrivateKey] = {}


def _platform_key(keys: SimulatorKeys) -> RSAPrivateKey:
    path = str(keys.platform.key_path)
    key = _private_keys.get(path)
    if key is None:
        loaded = load_pem_private_key(keys.platform.key_path.read_bytes(), password=None)
        assert isinstance(loaded, RSAPrivateKey)
        key = _private_keys[path] = loaded
    return key
