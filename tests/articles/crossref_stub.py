"""A stub of Crossref's REST API at the HTTP client's layer (habanero speaks httpx2, not requests).

Every ``httpx2.get`` goes through an ``httpx2.MockTransport`` answering from ``works`` (DOI →
message) or raising ``fail`` (a transport error); nothing reaches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest

BASE_URL = "https://crossref.test"


@dataclass
class CrossrefStub:
    works: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: Exception | None = None
    status: int | None = None
    requests: list[httpx2.Request] = field(default_factory=list)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.fail is not None:
            raise self.fail
        if self.status is not None:
            return httpx2.Response(self.status, text="Internal error")
        path = unquote(request.url.path)
        doi = path.removeprefix("/works/").lower()
        if not path.startswith("/works/") or doi not in self.works:
            return httpx2.Response(404, text="Resource not found.")
        body = {"status": "ok", "message-type": "work", "message": self.works[doi]}
        return httpx2.Response(200, json=body)


@pytest.fixture
def crossref(monkeypatch, settings) -> CrossrefStub:
    settings.ARTICLE_CROSSREF_BASE_URL = BASE_URL
    stub = CrossrefStub()
    transport = httpx2.MockTransport(stub.handle)

    def get(url: str, **kwargs: Any) -> httpx2.Response:
        with httpx2.Client(transport=transport) as client:
            return client.get(url, **kwargs)

    monkeypatch.setattr(httpx2, "get", get)
    return stub


WORK = {
    "DOI": "10.1103/PhysRevLett.116.061102",
    "title": ["Observation of Gravitational Waves from a Binary Black Hole Merger"],
    "author": [
        {"given": "B. P.", "family": "Abbott", "sequence": "first"},
        {"given": "R.", "family": "Abbott", "sequence": "additional"},
        {"name": "LIGO Scientific Collaboration"},
    ],
    "abstract": "<jats:title>Abstract</jats:title><jats:p>On September 14, 2015 at "
    "09:50:45 UTC the two detectors <jats:italic>simultaneously</jats:italic> observed a "
    "signal &amp; more <script>alert(1)</script>.</jats:p><jats:p>Second paragraph.</jats:p>",
    "container-title": ["Physical Review Letters"],
    "published-print": {"date-parts": [[2016, 2]]},
    "issued": {"date-parts": [[2016, 2, 11]]},
}
