"""ORCID's three-legged OAuth (orcid.org/oauth) and public record API (pub.orcid.org/v2.0).

``oauth/authorize`` shows a page where the tester types a name (standing in for an ORCID
account: the same name is the same iD, with a valid check digit) and, on confirm, redirects to
``redirect_uri?code=…&state=…``; "Deny" redirects with ``error=access_denied`` as ORCID does.
``oauth/token`` exchanges the code (once, within 10 minutes, for the configured client) for
``{access_token, orcid, name, …}``; ``oauth/userinfo`` answers ``{sub, given_name, …}`` to the
bearer token; ``v2.0/<iD>`` answers the public record (``orcid-identifier``, ``person.name``).
Codes and tokens are signed with SECRET_KEY; a used code is remembered in Redis.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_redis import get_redis_connection

from apps.orcid_sim.config import CLIENT_ID, CLIENT_SECRET

CODE_SALT = "orcid_sim.code"
TOKEN_SALT = "orcid_sim.token"  # noqa: S105 (a salt, not a secret)
CODE_MAX_AGE = 600
TOKEN_MAX_AGE = 3600


def orcid_id_for(name: str) -> str:
    """A stable iD per simulated person, with the ISO 7064 11,2 check digit."""
    digits = str(int(hashlib.sha256(name.encode()).hexdigest(), 16))[:15].rjust(15, "0")
    total = 0
    for char in digits:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    full = digits + ("X" if check == 10 else str(check))
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


def person_for(name: str) -> dict[str, str]:
    given, _, family = name.partition(" ")
    return {"orcid": orcid_id_for(name), "given_name": given, "family_name": family}


def _error(status: int, error: str, description: str) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _redirect(redirect_uri: str, query: dict[str, str]) -> HttpResponseRedirect:
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(query)}")


@csrf_exempt  # ORCID's page, not ScholarNet's
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != CLIENT_ID or params.get("response_type") != "code":
        return HttpResponse("client_id is not registered with the simulator", status=400)
    if urlsplit(redirect_uri).scheme not in {"http", "https"}:
        return HttpResponse("redirect_uri is not a web address", status=400)
    if request.method == "GET":
        return render(request, "orcid_sim/authorize.html", {"redirect_uri": redirect_uri})
    state = params.get("state", "")
    if request.POST.get("deny"):
        return _redirect(redirect_uri, {"error": "access_denied", "state": state})
    name = (request.POST.get("name") or "").strip()[:64] or "Josiah Carberry"
    claims = person_for(name) | {"redirect_uri": redirect_uri, "nonce": secrets.token_hex(8)}
    return _redirect(redirect_uri, {"code": signing.dumps(claims, salt=CODE_SALT), "state": state})


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    params = request.POST
    if (params.get("client_id"), params.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
        return _error(401, "invalid_client", "Client not found")
    if params.get("grant_type") != "authorization_code":
        return _error(400, "unsupported_grant_type", "Only authorization_code")
    code = params.get("code", "")
    try:
        claims: dict[str, Any] = signing.loads(code, salt=CODE_SALT, max_age=CODE_MAX_AGE)
    except signing.BadSignature:
        return _error(400, "invalid_grant", "Invalid authorization code")
    if claims.get("redirect_uri") != params.get("redirect_uri"):
        return _error(400, "invalid_grant", "Redirect URI mismatch")
    used = hashlib.sha256(code.encode()).hexdigest()
    if not get_redis_connection("default").set(
        f"orcid_sim:used:{used}", 1, nx=True, ex=CODE_MAX_AGE
    ):
        return _error(400, "invalid_grant", "Reused authorization code")
    person = {key: claims[key] for key in ("orcid", "given_name", "family_name")}
    return JsonResponse(
        {
            "access_token": signing.dumps(person, salt=TOKEN_SALT),
            "token_type": "bearer",
            "refresh_token": secrets.token_hex(16),
            "expires_in": TOKEN_MAX_AGE,
            "scope": "/authenticate",
            "name": f"{person['given_name']} {person['family_name']}".strip(),
            "orcid": person["orcid"],
        }
    )


def _bearer_person(request: HttpRequest) -> dict[str, Any] | None:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    token = token or request.GET.get("access_token", "")
    try:
        person = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return person if isinstance(person, dict) else None


@require_GET
def userinfo(request: HttpRequest) -> JsonResponse:
    person = _bearer_person(request)
    if person is None:
        return _error(401, "invalid_token", "Invalid access token")
    return JsonResponse(
        {
            "sub": person["orcid"],
            "name": f"{person['given_name']} {person['family_name']}".strip(),
            "given_name": person["given_name"],
            "family_name": person["family_name"],
        }
    )


@require_GET
def record(request: HttpRequest, orcid: str) -> JsonResponse:
    """The public record; the simulator only knows people who signed in (their token)."""
    person = _bearer_person(request)
    if person is None or person["orcid"] != orcid:
        return _error(404, "not_found", "No record for this iD")
    return JsonResponse(
        {
            "orcid-identifier": {
                "uri": f"https://orcid.org/{orcid}",
                "path": orcid,
                "host": "orcid.org",
            },
            "person": {
                "name": {
                    "given-names": {"value": person["given_name"]},
                    "family-name": {"value": person["family_name"]}
                    if person["family_name"]
                    else None,
                    "credit-name": None,
                    "visibility": "PUBLIC",
                    "path": orcid,
                },
                "emails": {"email": []},
            },
        }
    )
