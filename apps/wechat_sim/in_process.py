"""The simulator answered from this process, for commands that run while no server does.

``manage.py demo_data`` pays a demo tip before ``make run`` starts the web server, so the
simulator's gateway on this site is not listening yet. :func:`gateway_in_process` hands the
merchant SDK's HTTP calls to that gateway to this site's own WSGI application (the handler a
server would call, middleware and all) instead of a socket: the ``wechatpayv3`` SDK still signs
every request, and verifies and decrypts every answer. Any other address is refused while it is
on, so nothing leaves the process. :func:`order_pay` is the payer pressing "Pay" on the
simulator's pay page, up to the signed notification it sends, which the caller hands to the
payments service the notify endpoint calls.

A process-wide switch (``requests`` opens a new session for each of the SDK's calls): for a
single-threaded command, never for a server.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from apps.wechat_sim import store
from apps.wechat_sim.notify import notification_build
from apps.wechat_sim.pay_page import RESULTS, _settle


def _environ(request: requests.PreparedRequest) -> dict[str, Any]:
    url = urlsplit(request.url or "")
    raw = request.body or b""
    # The SDK sends JSON: a str or bytes body, never a stream or a generator.
    body = raw.encode() if isinstance(raw, str) else bytes(raw)  # type: ignore[arg-type]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method or "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(url.path or "/").decode("iso-8859-1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": url.netloc,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_LENGTH", "HOST"):
            continue
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


@contextmanager
def _callers_connection_kept() -> Iterator[None]:
    """A request served in process is part of the caller's work: Django must not close the
    caller's database connection (and its open transaction) when the request starts or ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class SiteAdapter(BaseAdapter):
    """A ``requests`` transport whose server is this site's WSGI application."""

    def __init__(self) -> None:
        super().__init__()
        self.application = WSGIHandler()

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        answer: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            answer.update(status=status, headers=headers)
            return lambda data: None  # Django returns the body, never writes it

        with _callers_connection_kept():
            result = self.application(_environ(request), start_response)
            try:
                content = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        code, _, reason = answer["status"].partition(" ")
        response = requests.Response()
        response.status_code, response.reason = int(code), reason
        response.headers = CaseInsensitiveDict(answer["headers"])
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url, response.request = request.url or "", request
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        pass


class RefusingAdapter(BaseAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(
            f"only the simulator's gateway is answered in process, not {request.url}",
            request=request,
        )

    def close(self) -> None:
        pass


@contextmanager
def gateway_in_process() -> Iterator[None]:
    """While on, calls under ``WECHATPAY_GATEWAY`` are served in process, all others refused."""
    gateway = settings.WECHATPAY_GATEWAY.rstrip("/") + "/"
    site, refuse = SiteAdapter(), RefusingAdapter()
    original = requests.Session.get_adapter

    def get_adapter(self: requests.Session, url: str) -> BaseAdapter:
        return site if url.startswith(gateway) else refuse

    requests.Session.get_adapter = get_adapter  # type: ignore[method-assign]
    try:
        yield
    finally:
        requests.Session.get_adapter = original  # type: ignore[method-assign]


def order_pay(*, out_trade_no: str) -> tuple[dict[str, str], str] | None:
    """Pay the simulator's order as its pay page's "Pay" button does: (headers, body) of the
    signed, encrypted notification it sends; None for an order the simulator does not hold or
    that can no longer be paid (failed or closed).

    An order paid already is not paid again: its notification is built once more (a new one,
    as WeChat's retries are), which the payments service applies at most once.
    """
    settled = store.order_change(
        mchid=settings.WECHATPAY_MCHID,
        out_trade_no=out_trade_no,
        change=_settle(RESULTS["success"]),
    )
    if settled is None or settled["trade_state"] != RESULTS["success"]:
        return None
    return notification_build(settled)
