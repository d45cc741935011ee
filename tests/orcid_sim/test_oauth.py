"""The simulator's OAuth and record endpoints, as social-core's orcid backend calls them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from apps.orcid_sim.config import CLIENT_ID, CLIENT_SECRET
from apps.orcid_sim.oauth import orcid_id_for

pytestmark = pytest.mark.django_db

REDIRECT = "http://testserver/api/v1/auth/orcid/callback"


def authorize(client: Client, *, name: str = "Grace Hopper", **extra: str) -> dict[str, list[str]]:
    query = urlencode(
        {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT, "state": "s1"}
    )
    response = client.post(f"/orcid-sim/oauth/authorize?{query}", {"name": name, **extra})
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)


def exchange(client: Client, code: str, **overrides: str):
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return client.post("/orcid-sim/oauth/token", form)


def test_the_page_is_shown_for_the_registered_client(client):
    query = urlencode({"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT})
    assert client.get(f"/orcid-sim/oauth/authorize?{query}").status_code == 200
    other = urlencode({"client_id": "APP-OTHER", "response_type": "code", "redirect_uri": REDIRECT})
    assert client.get(f"/orcid-sim/oauth/authorize?{other}").status_code == 400


def test_code_token_userinfo_and_record(client):
    query = authorize(client)
    assert query["state"] == ["s1"]

    token = exchange(client, query["code"][0]).json()
    orcid = orcid_id_for("Grace Hopper")
    assert token["orcid"] == orcid
    assert token["name"] == "Grace Hopper"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/orcid-sim/oauth/userinfo", headers=bearer).json() == {
        "sub": orcid,
        "name": "Grace Hopper",
        "given_name": "Grace",
        "family_name": "Hopper",
    }
    record = client.get(f"/orcid-sim/v2.0/{orcid}", {"access_token": token["access_token"]})
    assert record.json()["orcid-identifier"]["path"] == orcid
    assert record.json()["person"]["name"]["family-name"] == {"value": "Hopper"}


def test_a_code_is_exchanged_once_and_for_its_redirect_uri_only(client):
    code = authorize(client)["code"][0]
    wrong_uri = exchange(client, code, redirect_uri="http://evil.example/cb")
    assert wrong_uri.status_code == 400
    assert exchange(client, code).status_code == 200
    again = exchange(client, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(client):
    code = authorize(client)["code"][0]
    response = exchange(client, code, client_secret="guess")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_deny_redirects_with_access_denied(client):
    query = authorize(client, deny="1")
    assert query["error"] == ["access_denied"]
    assert "code" not in query


def test_userinfo_needs_a_valid_token(client):
    response = client.get("/orcid-sim/oauth/userinfo", headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
