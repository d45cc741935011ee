"""The simulator's test keys, generated on first use under ``var/wechat_sim/`` (never committed).

Two RSA-2048 key pairs with self-signed certificates: the merchant's (ScholarNet signs its API
requests with it; the simulator verifies them) and WeChat's platform pair (the simulator signs
responses and notifications; the SDK downloads the certificate from ``/v3/certificates``). Plus
the 32-character APIv3 key both sides use for AES-256-GCM.

Imported by settings files: no ``django.conf`` here.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import secrets
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

MERCHANT = "merchant"
PLATFORM = "platform"
APIV3_KEY_FILE = "apiv3.key"
_APIV3_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class KeyPair:
    key_path: Path
    cert_path: Path

    def private_key_pem(self) -> str:
        return self.key_path.read_text()

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def serial_no(self) -> str:
        return f"{self.certificate().serial_number:X}"


@dataclass(frozen=True)
class SimulatorKeys:
    directory: Path
    merchant: KeyPair
    platform: KeyPair
    apiv3_key: str


def simulator_keys(directory: Path) -> SimulatorKeys:
    """The keys under ``directory``, generating whatever is missing (under a file lock)."""
    keys = _keys_at(directory)
    if not _complete(keys):
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            for pair, name in (
                (keys.merchant, "ScholarNet test merchant"),
                (keys.platform, "Tenpay simulator"),
            ):
                if not (pair.key_path.is_file() and pair.cert_path.is_file()):
                    _generate_pair(pair, common_name=name)
            apiv3 = directory / APIV3_KEY_FILE
            if not apiv3.is_file():
                _write_private(apiv3, "".join(secrets.choice(_APIV3_ALPHABET) for _ in range(32)))
        keys = _keys_at(directory)
    return keys


def _keys_at(directory: Path) -> SimulatorKeys:
    apiv3 = directory / APIV3_KEY_FILE
    return SimulatorKeys(
        directory=directory,
        merchant=KeyPair(directory / f"{MERCHANT}_key.pem", directory / f"{MERCHANT}_cert.pem"),
        platform=KeyPair(directory / f"{PLATFORM}_key.pem", directory / f"{PLATFORM}_cert.pem"),
        apiv3_key=apiv3.read_text().strip() if apiv3.is_file() else "",
    )


def _complete(keys: SimulatorKeys) -> bool:
    paths = (keys.merchant.key_path, keys.merchant.cert_path, keys.platform.key_path)
    return all(path.is_file() for path in (*paths, keys.platform.cert_path)) and bool(
        keys.apiv3_key
    )


def _generate_pair(pair: KeyPair, *, common_name: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(pair.key_path, key_pem.decode())
    _write_private(pair.cert_path, certificate.public_bytes(serialization.Encoding.PEM).decode())


def _write_private(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def merchant_settings(*, directory: Path, site_url: str) -> dict[str, object]:
    """The WECHATPAY_* settings that aim the merchant side at the simulator on ``site_url``."""
    keys = simulator_keys(directory)
    site_url = site_url.rstrip("/")
    return {
        "WECHATPAY_GATEWAY": f"{site_url}/wechat-sim",
        "WECHATPAY_MCHID": "1900000109",
        "WECHATPAY_APPID": "wxsimulator0000001",
        "WECHATPAY_APIV3_KEY": keys.apiv3_key,
        "WECHATPAY_PRIVATE_KEY_PATH": str(keys.merchant.key_path),
        "WECHATPAY_CERT_PATH": str(keys.merchant.cert_path),
        "WECHATPAY_CERT_SERIAL_NO": "",
        "WECHATPAY_NOTIFY_URL": f"{site_url}/api/v1/payments/wechat/notify",
        "WECHAT_SIMULATOR_KEY_DIR": directory,
        "WECHAT_SIMULATOR_PAY_URL": f"{site_url}/wechat-sim/pay/{{out_trade_no}}",
    }


OAUTH_SECRET_FILE = "oauth_app.secret"  # noqa: S105 (a file name)


def login_settings(*, directory: Path, site_url: str) -> dict[str, object]:
    """The WeChat login settings that aim social-core's backend at the simulator on ``site_url``."""
    secret_path = directory / OAUTH_SECRET_FILE
    if not secret_path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            if not secret_path.is_file():
                _write_private(secret_path, secrets.token_hex(16))
    secret = secret_path.read_text().strip()
    site_url = site_url.rstrip("/")
    return {
        "WECHAT_LOGIN_ENABLED": True,
        "WECHAT_APP_ID": "wxsimulatorlogin01",
        "WECHAT_APP_SECRET": secret,
        "SOCIAL_AUTH_WEIXIN_KEY": "wxsimulatorlogin01",
        "SOCIAL_AUTH_WEIXIN_SECRET": secret,
        "WECHAT_OAUTH_AUTHORIZE_URL": f"{site_url}/wechat-sim/connect/qrconnect",
        "WECHAT_OAUTH_ACCESS_TOKEN_URL": f"{site_url}/wechat-sim/sns/oauth2/access_token",
        "WECHAT_OAUTH_USERINFO_URL": f"{site_url}/wechat-sim/sns/userinfo",
    }
