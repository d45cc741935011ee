"""Route the SDK's HTTP calls to this Django site in-process, through the test client.

``responses`` intercepts every ``requests`` call; those to ``http://testserver`` (the
simulator's gateway and notify_url in test settings) are answered by Django's test client, so
the real ``wechatpayv3`` client signs, sends, verifies and decrypts against the simulator, and
anything else fails with a ConnectionError: no test reaches the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import responses
from django.test import Client
from requests import PreparedRequest

SITE = re.compile(r"^http://testserver/")
_SKIPPED_HEADERS = {"content-length", "content-type", "host", "cookie"}


def _answer(request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(request.url or "")
    path = url.path + (f"?{url.query}" if url.query else "")
    body = request.body or b""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _SKIPPED_HEADERS}
    response = Client().generic(
        request.method or "GET",
        path,
        data=body.encode() if isinstance(body, str) else body,
        content_type=request.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )
    return response.status_code, dict(response.items()), response.content


@contextmanager
def site_over_http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            mock.add_callback(method, SITE, callback=_answer)
        yield mock
