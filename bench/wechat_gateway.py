"""A stand-in for WeChat Pay's gateway while the ``reward_create_first`` scenario runs.

A first click on "tip" makes a Native prepay at WeChat. The bench server runs production
settings (no simulator), so its ``WECHATPAY_GATEWAY`` points here: a small threaded HTTP server
in the runner's own process (WeChat is another system; its CPU is not the server's) that
answers ``POST /v3/pay/transactions/native`` with a ``code_url`` signed by the bench platform
key, as WeChat does. The merchant's request signature is not checked (WeChat's work, not
ours); the SDK on the server still signs each request and verifies each answer.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from apps.wechat_sim import protocol
from apps.wechat_sim.keys import APIV3_KEY_FILE, SimulatorKeys, simulator_keys

HOST = "127.0.0.1"
NATIVE_PATH = "/v3/pay/transactions/native"


def gateway_keys(directory: Path, *, apiv3_key: str) -> SimulatorKeys:
    """Merchant and platform test keys under ``directory``, and the platform certificate in
    ``directory/platform-certs`` where the SDK finds it without downloading it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / APIV3_KEY_FILE).write_text(apiv3_key)
    keys = simulator_keys(directory)
    certs = directory / "platform-certs"
    certs.mkdir(exist_ok=True)
    (certs / f"{keys.platform.serial_no()}.pem").write_text(keys.platform.cert_path.read_text())
    return keys


class _Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, keys: SimulatorKeys) -> None:
        super().__init__((HOST, port), _Handler)
        self.keys = keys


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Gateway

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            order = json.loads(raw or b"{}")
        except ValueError:
            order = {}
        number = order.get("out_trade_no") if isinstance(order, dict) else None
        if self.path != NATIVE_PATH or not isinstance(number, str):
            self._answer(400, json.dumps({"code": "PARAM_ERROR", "message": "not a prepay"}))
            return
        self._answer(200, json.dumps({"code_url": f"weixin://wxpay/bizpayurl?pr={number}"}))

    def _answer(self, status: int, body: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body.encode())))
        if status == 200:
            for name, value in protocol.platform_signature_headers(
                keys=self.server.keys, body=body
            ).items():
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        return


def gateway_start(*, port: int, keys: SimulatorKeys) -> ThreadingHTTPServer:
    """Serve in a daemon thread until ``shutdown()`` (or the runner's exit)."""
    gateway = _Gateway(port, keys)
    threading.Thread(target=gateway.serve_forever, name="bench-wechat-gateway", daemon=True).start()
    return gateway
