"""A reader's and an author's first minutes, over HTTP against a running ScholarNet.

    python deploy/client_flow.py http://127.0.0.1:8000

Registers, signs in, writes and publishes an article, reads it anonymously, finds it by search,
withdraws it and sees it vanish from the article page and from search, and checks that the
admin's stylesheet is served. Standard library only; exits non-zero on the first surprise.
"""

# ruff: noqa: S310, T201 - it opens only the base URL it is given, and reports on stdout.
from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

USER_AGENT = "scholarnet-runbook"
SEARCH_WAIT_SECONDS = 60.0


def call(
    base: str, method: str, path: str, body: dict | None = None, token: str = ""
) -> tuple[int, Any, bytes]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def expect(base: str, status: int, method: str, path: str, **options: Any) -> bytes:
    got, _, body = call(base, method, path, **options)
    if got != status:
        sys.exit(f"{method} {path}: expected {status}, got {got}: {body[:300]!r}")
    return body


def expect_json(base: str, status: int, method: str, path: str, **options: Any) -> Any:
    return json.loads(expect(base, status, method, path, **options) or b"null")


def search_ids(base: str, word: str) -> list[int]:
    found = expect_json(base, 200, "GET", f"/api/v1/search?q={word}&type=article")
    return [item["id"] for item in found["results"]]


def wait_for_search(base: str, word: str, article_id: int, *, present: bool) -> float:
    started = time.monotonic()
    while time.monotonic() - started < SEARCH_WAIT_SECONDS:
        if (article_id in search_ids(base, word)) == present:
            return time.monotonic() - started
        time.sleep(0.5)
    state = "find" if present else "drop"
    sys.exit(f"search did not {state} article {article_id} within {SEARCH_WAIT_SECONDS} s")


def check_admin_styles(base: str) -> None:
    if b"body" not in expect(base, 200, "GET", "/static/admin/css/base.css"):
        sys.exit("/static/admin/css/base.css is not the admin's stylesheet")
    page = expect(base, 200, "GET", "/admin/login/")
    linked = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', page)
    if not linked:
        sys.exit("the admin login page links no hashed stylesheet")
    expect(base, 200, "GET", linked.group(1).decode())


def sign_up(base: str, email: str) -> str:
    account = {"email": email, "password": "a-long-runbook-password-" + uuid.uuid4().hex[:8]}
    expect_json(base, 201, "POST", "/api/v1/auth/register", body=account)
    return expect_json(base, 200, "POST", "/api/v1/auth/login", body=account)["access"]


def check_administrator(base: str) -> None:
    """The administrator created by ``createsuperuser --noinput`` can sign in."""
    email = os.environ.get("RUNBOOK_ADMIN_EMAIL")
    password = os.environ.get("RUNBOOK_ADMIN_PASSWORD")
    if email and password:
        credentials = {"email": email, "password": password}
        token = expect_json(base, 200, "POST", "/api/v1/auth/login", body=credentials)["access"]
        if expect_json(base, 200, "GET", "/api/v1/users/me", token=token)["email"] != email:
            sys.exit("the administrator's token names another account")


def main(base: str) -> None:
    word = "runbook" + uuid.uuid4().hex[:10]
    token = sign_up(base, f"{word}@example.org")
    draft = {"title": f"Notes on {word}", "content": f"Why {word} matters: $e^{{i\\pi}} = -1$."}
    article_id = expect_json(base, 201, "POST", "/api/v1/articles", body=draft, token=token)["id"]
    expect(base, 200, "POST", f"/api/v1/articles/{article_id}/publish", token=token)
    read = expect_json(base, 200, "GET", f"/api/v1/articles/{article_id}")
    if read["title"] != draft["title"]:
        sys.exit(f"the anonymous read shows another article: {read}")
    indexed_after = wait_for_search(base, word, article_id, present=True)
    expect(base, 200, "POST", f"/api/v1/articles/{article_id}/withdraw", token=token)
    expect(base, 404, "GET", f"/api/v1/articles/{article_id}")
    dropped_after = wait_for_search(base, word, article_id, present=False)
    check_admin_styles(base)
    check_administrator(base)
    print(
        f"client flow passed: article {article_id} found by search after {indexed_after:.1f} s, "
        f"gone {dropped_after:.1f} s after withdrawal; admin styles served; the administrator "
        "signs in"
    )


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
