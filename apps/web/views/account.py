"""Sign in (email and password, SMS code, WeChat QR), register, sign out, and the session list.

Input is validated by the API's own input serializers and handled by the users app's services
(through :mod:`apps.web.auth`), so a page shows the same validation messages and the same errors
(wrong password, rate limits, expired codes) as the API answers, as form errors, with the error's
HTTP status. Every form is a plain POST with a CSRF token; nothing needs JavaScript.
"""

from __future__ import annotations

import contextlib
import posixpath
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.users import selectors as user_selectors
from apps.users import services as user_services
from apps.users.models import User
from apps.users.rates import WECHAT_LOGIN
from apps.users.serializers import (
    AuthSessionOutputSerializer,
    AuthSmsLoginInputSerializer,
    AuthSmsSendInputSerializer,
    UserLoginInputSerializer,
    UserRegisterInputSerializer,
)
from apps.users.sms_login import sms_login_code_send
from apps.users.throttles import CodeSendIpThrottle, CodeSendPhoneThrottle
from apps.users.wechat.services import wechat_login_start
from apps.users.wechat.state import state_cookie_clear, state_cookie_set
from apps.web import auth
from scholarnet.api.errors import ApplicationError, NotFound, RateLimited
from scholarnet.ratelimit.throttles import RedisRateThrottle

LOGIN_TEMPLATE = "web/account/login.html"
WECHAT_CALLBACK_PATH = "/login/wechat/callback"


def _user(request: HttpRequest) -> User:
    """The signed-in user of a ``login_required`` view."""
    return cast(User, request.user)


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _errors(serializer: Any) -> tuple[dict[str, list[str]], list[str]]:
    """(field errors, non-field errors) as the API's validation envelope lists them."""
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    for name, messages in serializer.errors.items():
        texts = [str(message) for message in messages]
        if name == "non_field_errors":
            general.extend(texts)
        else:
            fields[name] = texts
    return fields, general


def _error_text(error: ApplicationError) -> str:
    fields = (error.extra or {}).get("fields")
    if fields:
        return " ".join(str(message) for messages in fields.values() for message in messages)
    return str(error.detail)


def _login_page(request: HttpRequest, *, status: int = 200, **context: Any) -> HttpResponse:
    base = {
        "tab": "password",
        "next": auth.safe_next(request, request.POST.get("next") or request.GET.get("next")),
        "wechat_enabled": settings.WECHAT_LOGIN_ENABLED,
        "field_errors": {},
        "errors": [],
    }
    response = render(request, LOGIN_TEMPLATE, base | context, status=status)
    add_never_cache_headers(response)
    return response


def _throttle(request: HttpRequest, throttles: list[type[RedisRateThrottle]]) -> None:
    """The API action's throttles, applied to a page's POST (DRF's Request for their keys)."""
    from rest_framework.request import Request

    drf_request = Request(request)
    for throttle_class in throttles:
        throttle = throttle_class()
        if not throttle.allow_request(drf_request, None):
            wait = throttle.wait() or 1
            raise RateLimited(retry_after=int(wait))


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _login_page(request, tab=request.GET.get("tab", "password"))
    serializer = UserLoginInputSerializer(data=request.POST)
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        return _login_page(
            request,
            status=400,
            field_errors=fields,
            errors=general,
            email=request.POST.get("email", ""),
        )
    data = serializer.validated_data
    try:
        auth.sign_in_with_password(request, email=data["email"], password=data["password"])
    except auth.SecondFactorRequired as required:
        return _second_factor_page(request, required)
    except ApplicationError as error:
        return _login_page(
            request, status=error.status_code, errors=[_error_text(error)], email=data["email"]
        )
    return SeeOther(auth.safe_next(request, request.POST.get("next")))


def _second_factor_page(
    request: HttpRequest, required: auth.SecondFactorRequired, **context: Any
) -> HttpResponse:
    return _login_page(request, tab="2fa", challenge=required.challenge, **context)


@require_POST
def second_factor_view(request: HttpRequest) -> HttpResponse:
    """The authenticator code after the first factor (``POST /api/v1/auth/2fa/verify``)."""
    challenge = request.POST.get("challenge", "")[:256]
    code = request.POST.get("code", "").strip()[:32]
    try:
        auth.sign_in_with_second_factor(request, challenge=challenge, code=code)
    except ApplicationError as error:
        return _login_page(
            request,
            status=error.status_code,
            tab="2fa",
            challenge=challenge,
            errors=[_error_text(error)],
        )
    return SeeOther(auth.safe_next(request, request.POST.get("next")))


@require_POST
def sms_send_view(request: HttpRequest) -> HttpResponse:
    serializer = AuthSmsSendInputSerializer(data=request.POST)
    phone = request.POST.get("phone", "")
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        return _login_page(
            request, status=400, tab="sms", field_errors=fields, errors=general, phone=phone
        )
    try:
        _throttle(request, [CodeSendIpThrottle, CodeSendPhoneThrottle])
        sms_login_code_send(phone=serializer.validated_data["phone"])
    except ApplicationError as error:
        return _login_page(
            request, status=error.status_code, tab="sms", errors=[_error_text(error)], phone=phone
        )
    return _login_page(request, tab="sms", phone=phone, code_sent=True)


@require_POST
def sms_verify_view(request: HttpRequest) -> HttpResponse:
    serializer = AuthSmsLoginInputSerializer(data=request.POST)
    phone = request.POST.get("phone", "")
    context = {"tab": "sms", "phone": phone, "code_sent": True}
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        return _login_page(request, status=400, field_errors=fields, errors=general, **context)
    data = serializer.validated_data
    try:
        auth.sign_in_with_sms_code(request, phone=data["phone"], code=data["code"])
    except auth.SecondFactorRequired as required:
        return _second_factor_page(request, required)
    except ApplicationError as error:
        return _login_page(
            request, status=error.status_code, errors=[_error_text(error)], **context
        )
    return SeeOther(auth.safe_next(request, request.POST.get("next")))


def _wechat_url_for_pages(url: str, request: HttpRequest) -> str:
    """The QR-connect URL with WeChat sending the browser back to the page's callback."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    # WeChat checks only the callback's domain against the app's registration: the configured
    # callback's site (the API's, behind any proxy) with the page's own path.
    configured = urlsplit(settings.WECHAT_REDIRECT_URI)
    if configured.scheme and configured.netloc:
        site = f"{configured.scheme}://{configured.netloc}"
        query["redirect_uri"] = site + WECHAT_CALLBACK_PATH
    else:
        query["redirect_uri"] = request.build_absolute_uri(WECHAT_CALLBACK_PATH)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _wechat_cookie_path() -> str:
    return posixpath.dirname(WECHAT_CALLBACK_PATH) + "/"


@require_GET
def wechat_start_view(request: HttpRequest) -> HttpResponse:
    """The QR code of WeChat's (or the simulator's) authorization page, and a link to it."""
    try:
        start = wechat_login_start(request=request)
    except ApplicationError as error:
        return _login_page(
            request, status=error.status_code, tab="wechat", errors=[_error_text(error)]
        )
    url = _wechat_url_for_pages(start.url, request)
    qr_svg = segno.make(url, error="m").svg_inline(scale=4, title="WeChat sign-in QR code")
    response = _login_page(request, tab="wechat", wechat_url=url, wechat_qr=qr_svg)
    state_cookie_set(response, state=start.state, path=_wechat_cookie_path())
    return response


class _WeChatCallbackThrottle(RedisRateThrottle):
    scope = WECHAT_LOGIN


@require_GET
def wechat_callback_view(request: HttpRequest) -> HttpResponse:
    try:
        _throttle(request, [_WeChatCallbackThrottle])
        auth.sign_in_with_wechat(
            request,
            code=request.GET.get("code", "")[:512],
            state=request.GET.get("state", "")[:256],
        )
    except auth.SecondFactorRequired as required:
        response = _second_factor_page(request, required)
    except ApplicationError as error:
        response = _login_page(
            request, status=error.status_code, tab="wechat", errors=[_error_text(error)]
        )
    else:
        response = SeeOther("/")
    # Every answer ends the attempt, as the API's callback does: a state is tried once.
    state_cookie_clear(response, path=_wechat_cookie_path())
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    template = "web/account/register.html"
    if request.method == "GET":
        return render(request, template, {"field_errors": {}, "errors": []})
    form = {"email": request.POST.get("email", ""), "nickname": request.POST.get("nickname", "")}
    serializer = UserRegisterInputSerializer(data=request.POST)
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        context = {"field_errors": fields, "errors": general, **form}
        return render(request, template, context, status=400)
    try:
        user = user_services.user_register(**serializer.validated_data)
        auth.sign_in(request, user=user)
    except ApplicationError as error:
        field_messages = (error.extra or {}).get("fields") or {}
        context = {
            "field_errors": field_messages,
            "errors": [] if field_messages else [str(error.detail)],
            **form,
        }
        return render(request, template, context, status=error.status_code)
    return SeeOther(auth.safe_next(request, request.POST.get("next"), default="/write/"))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    with contextlib.suppress(NotFound):  # already gone: signing out again is fine
        auth.sign_out(request)
    return SeeOther("/")


@login_required(login_url="/login/")
@csrf_protect
def sessions_view(request: HttpRequest) -> HttpResponse:
    current = auth.current_session_id(request)
    rows = list(user_selectors.user_session_list(user=_user(request)))
    listed = AuthSessionOutputSerializer(
        rows, many=True, context={"current_session_id": current}
    ).data
    # The API's fields, with the times as datetimes for the template's date filter.
    sessions = [
        {**item, "created_at": row.created_at, "last_seen_at": row.last_seen_at}
        for item, row in zip(listed, rows, strict=True)
    ]
    response = render(request, "web/account/sessions.html", {"sessions": sessions})
    add_never_cache_headers(response)
    return response


@login_required(login_url="/login/")
@require_POST
def session_revoke_view(request: HttpRequest, session_id: str) -> HttpResponse:
    try:
        user_services.session_revoke(user=_user(request), session_id=session_id)
    except NotFound:
        raise Http404("Session not found.") from None
    return SeeOther(reverse("web:sessions"))


@login_required(login_url="/login/")
@require_POST
def sessions_revoke_others_view(request: HttpRequest) -> HttpResponse:
    """Sign out everywhere else: every other live session of the user, this one stays."""
    current = auth.current_session_id(request)
    for session in user_selectors.user_session_list(user=_user(request)):
        if str(session.sid) != current:
            user_services.session_revoke(user=_user(request), session_id=session.sid)
    return SeeOther(reverse("web:sessions"))
