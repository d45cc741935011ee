"""The web pages' test harness: Django's test client for most tests, Playwright for a few flows.

Browser tests live under ``tests/web/browser/`` (marked ``browser`` automatically) and drive
Debian's ``chromium`` package through pytest-playwright (``executable_path``: the
``playwright install`` download is not used). Locally they are skipped when no chromium is
installed; under ``CI=true`` a missing chromium fails them.

Fixtures:

- ``live_url``: the base URL of a running server (pytest-django's ``live_server``, which serves
  static files through the staticfiles handler), without a trailing slash.
- ``page``: a Playwright page on chromium with JavaScript on; ``page_nojs``: the same with
  JavaScript off. Both have bounded timeouts so a missing element fails the test instead of
  hanging CI, and each saves a screenshot of where it ended under
  ``var/test-output/screenshots/<test>.png`` (``<test>-nojs.png`` for ``page_nojs``).
- ``signed_in_page(user, js=True)``: a new page whose browser already holds a signed-in session
  for ``user`` (the web login of ``apps.web.auth`` when it offers ``sign_in``, otherwise Django's
  ``force_login``); its screenshot is ``<test>-<username>.png``.
- ``screenshot(page, name)``: save an extra screenshot ``<test>-<name>.png`` mid-flow.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-output" / "screenshots"
BROWSER_DIR = Path(__file__).resolve().parent / "browser"

# Every wait in a browser test is bounded: a missing element fails after this, never hangs.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000
LAUNCH_TIMEOUT_MS = 30_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            # A browser flow never needs the suite's five minutes; fail it early instead.
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(120))
        # Under CI=true a missing chromium is a failure (_chromium_required_in_ci), never a skip.
        if "browser" in item.keywords and not HAVE_CHROMIUM and not IN_CI:
            item.add_marker(pytest.mark.skip(reason=f"needs chromium ({CHROMIUM})"))


@pytest.fixture(autouse=True)
def _chromium_required_in_ci(request: pytest.FixtureRequest) -> None:
    if "browser" in request.keywords and not HAVE_CHROMIUM and IN_CI:
        pytest.fail(f"CI=true needs chromium at {CHROMIUM} (apt-get install chromium)")


# pytest-playwright's fixtures, pointed at Debian's chromium with bounded timeouts.


@pytest.fixture(scope="session")
def browser_name() -> str:
    return "chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "timeout": LAUNCH_TIMEOUT_MS,
        # Containers: no setuid sandbox, a small /dev/shm.
        "args": ["--no-sandbox", "--disable-dev-shm-usage"],
    }


@pytest.fixture(scope="session")
def _async_unsafe_ok() -> None:
    # Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls
    # (creating users, reading rows back) are still synchronous, so Django may allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def live_url(live_server: Any, _async_unsafe_ok: None) -> str:
    return str(live_server.url).rstrip("/")


def _test_name(request: pytest.FixtureRequest) -> str:
    # pytest-playwright parametrizes every test by browser; one browser, so drop "[chromium]".
    name = request.node.name.replace("[chromium]", "").replace("chromium-", "")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def _save(page: Any, path: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A closed page or a crashed browser must not hide the test's own failure.
    with contextlib.suppress(Exception):
        page.screenshot(path=str(path), full_page=True, timeout=ACTION_TIMEOUT_MS)


def _bounded(page: Any) -> Any:
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return page


@pytest.fixture
def page(
    new_context: Callable[..., Any], live_url: str, request: pytest.FixtureRequest
) -> Iterator[Any]:
    browser_page = _bounded(new_context(base_url=live_url).new_page())
    yield browser_page
    _save(browser_page, SCREENSHOTS / f"{_test_name(request)}.png")


@pytest.fixture
def page_nojs(
    new_context: Callable[..., Any], live_url: str, request: pytest.FixtureRequest
) -> Iterator[Any]:
    browser_page = _bounded(new_context(base_url=live_url, java_script_enabled=False).new_page())
    yield browser_page
    _save(browser_page, SCREENSHOTS / f"{_test_name(request)}-nojs.png")


def _session_cookie_for(user: Any) -> tuple[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    try:
        from apps.web import auth as web_auth
    except ImportError:
        web_auth = None
    if web_auth is not None and hasattr(web_auth, "sign_in_test_client"):
        web_auth.sign_in_test_client(client, user)
    else:
        client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def signed_in_page(
    new_context: Callable[..., Any], live_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """``signed_in_page(user, js=True)`` → a page in a fresh browser context signed in as user."""
    pages: list[tuple[str, Any]] = []

    def make(user: Any, js: bool = True) -> Any:
        name, value = _session_cookie_for(user)
        context = new_context(base_url=live_url, java_script_enabled=js)
        context.add_cookies([{"name": name, "value": value, "url": live_url}])
        browser_page = _bounded(context.new_page())
        label = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(getattr(user, "username", None) or user.pk))
        pages.append((label + ("" if js else "-nojs"), browser_page))
        return browser_page

    yield make
    for label, browser_page in pages:
        _save(browser_page, SCREENSHOTS / f"{_test_name(request)}-{label}.png")


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    def take(browser_page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{_test_name(request)}-{name}.png"
        _save(browser_page, path)
        return path

    return take
