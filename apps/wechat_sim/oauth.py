"""WeChat's QR-connect login (open.weixin.qq.com / api.weixin.qq.com/sns), simulated.

``connect/qrconnect`` shows who is "scanning" (a name the tester types, standing in for a WeChat
account) and, on confirm, redirects to ``redirect_uri?code=…&state=…``. ``sns/oauth2/access_token``
exchanges the code (once, within 5 minutes, for the configured app id and secret) for an access
token with ``openid`` and ``unionid``; ``sns/userinfo`` answers the profile. Codes and tokens are
signed with SECRET_KEY; a used code is remembered in Redis. Errors are WeChat's
``{"errcode", "errmsg"}`` with HTTP 200, as WeChat answers them.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_redis import get_redis_connection

CODE_SALT = "wechat_sim.oauth.code"
TOKEN_SALT = "wechat_sim.oauth.token"  # noqa: S105 (a salt, not a secret)
CODE_MAX_AGE = 300
TOKEN_MAX_AGE = 7200


def identity(*, appid: str, name: str) -> dict[str, str]:
    """The openid (per app) and unionid (per person) of a simulated WeChat account."""
    return {
        "openid": "o" + hashlib.sha256(f"{appid}:{name}".encode()).hexdigest()[:27],
        "unionid": "u" + hashlib.sha256(name.encode()).hexdigest()[:27],
        "nickname": name,
    }


def _error(errcode: int, errmsg: str) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "errmsg": errmsg})


@csrf_exempt  # WeChat's page, not ScholarNet's
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET
    redirect_uri = params.get("redirect_uri", "")
    if params.get("appid") != settings.WECHAT_APP_ID:
        return HttpResponse("appid is not registered with the simulator", status=400)
    if urlsplit(redirect_uri).scheme not in {"http", "https"}:
        return HttpResponse("redirect_uri is not a web address", status=400)
    if request.method == "GET":
        return render(request, "wechat_sim/authorize.html", {"redirect_uri": redirect_uri})
    name = (request.POST.get("name") or "").strip()[:32] or "WeChat tester"
    # A fresh nonce: two logins of one account in one second still get two codes.
    person = identity(appid=params["appid"], name=name) | {"nonce": secrets.token_hex(8)}
    code = signing.dumps(person, salt=CODE_SALT)
    query = {"code": code, "state": params.get("state", "")}
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(query)}")


@csrf_exempt
@require_http_methods(["GET", "POST"])  # WeChat documents GET; social-core POSTs the form
def access_token(request: HttpRequest) -> JsonResponse:
    params = request.POST if request.method == "POST" else request.GET
    if (params.get("appid"), params.get("secret")) != (
        settings.WECHAT_APP_ID,
        settings.WECHAT_APP_SECRET,
    ) or params.get("grant_type") != "authorization_code":
        return _error(40125, "invalid appsecret")
    code = params.get("code", "")
    try:
        person: dict[str, Any] = signing.loads(code, salt=CODE_SALT, max_age=CODE_MAX_AGE)
    except signing.BadSignature:
        return _error(40029, "invalid code")
    used = hashlib.sha256(code.encode()).hexdigest()
    if not get_redis_connection("default").set(
        f"wechat_sim:oauth:used:{used}", 1, nx=True, ex=CODE_MAX_AGE
    ):
        return _error(40163, "code been used")
    token = signing.dumps(person, salt=TOKEN_SALT)
    return JsonResponse(
        {
            "access_token": token,
            "expires_in": TOKEN_MAX_AGE,
            "refresh_token": signing.dumps({"refresh": person["openid"]}, salt=TOKEN_SALT),
            "openid": person["openid"],
            "scope": "snsapi_login",
            "unionid": person["unionid"],
        }
    )


@require_GET
def userinfo(request: HttpRequest) -> JsonResponse:
    try:
        person = signing.loads(
            request.GET.get("access_token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return _error(40001, "invalid credential, access_token is invalid or not latest")
    if not isinstance(person, dict) or person.get("openid") != request.GET.get("openid"):
        return _error(40003, "invalid openid")
    return JsonResponse(
        {
            "openid": person["openid"],
            "nickname": person["nickname"],
            "sex": 0,
            "province": "",
            "city": "",
            "country": "CN",
            "headimgurl": "",
            "privilege": [],
            "unionid": person["unionid"],
        },
        json_dumps_params={"ensure_ascii": False},
    )
