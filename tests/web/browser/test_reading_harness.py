"""The harness itself: chromium starts, the live server answers, static files are served."""

from __future__ import annotations

import pytest


@pytest.mark.django_db(transaction=True)
def test_the_live_server_serves_the_pages_stylesheet(page, live_url):
    response = page.goto(f"{live_url}/static/web/app.css")
    assert response is not None
    assert response.status == 200
    assert "color-scheme" in response.text() or "--" in response.text()


@pytest.mark.django_db(transaction=True)
def test_a_page_without_javascript_still_loads(page_nojs, live_url):
    response = page_nojs.goto(f"{live_url}/static/web/app.css")
    assert response is not None
    assert response.status == 200
    assert page_nojs.evaluate("1 + 1") == 2  # evaluate runs in the isolated world even with JS off
