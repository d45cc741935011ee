"""Account security: two-factor sign-in (enrol, confirm, disable, new recovery codes) and ORCID
(sign in, link, unlink), the pages of :mod:`apps.web.views.academic`'s account side.

Each action is the API's (``/api/v1/auth/2fa/...``, ``/api/v1/auth/orcid/...``,
``/api/v1/me/orcid/...``): the same input serializer, the same service, so the failure budgets
on wrong codes and the errors are the API's, shown on the page with the error's status. Every
answer is for the signed-in user alone: there is no user id in any of these addresses, so no
one can reach another user's security page. Recovery codes are shown in the answer that made
them and never again; the pages are never cached.

ORCID goes through social-core's backend (``apps.users.orcid``) with the pages' own callback,
``/login/orcid/callback``, for both sign-in and linking (the attempt cookie says which).
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from apps.users.mfa import selectors as mfa_selectors
from apps.users.mfa import services as mfa_services
from apps.users.mfa.serializers import MfaCodeInputSerializer
from apps.users.models import User
from apps.users.orcid.services import orcid_start, orcid_unlink
from apps.users.orcid.state import attempt_cookie_clear, attempt_cookie_set
from apps.users.rates import ORCID_LOGIN
from apps.web import auth
from apps.web.views.account import SeeOther, _error_text, _errors, _login_page, _throttle
from scholarnet.api.errors import ApplicationError
from scholarnet.ratelimit.throttles import RedisRateThrottle

LOGIN_URL = "/login/"
SECURITY_URL = "/me/security/"
SECURITY_TEMPLATE = "web/academic/security.html"
ORCID_CALLBACK_PATH = "/login/orcid/callback"
ORCID_COOKIE_PATH = "/login/orcid/"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _never_cached(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _error_status(error: ApplicationError) -> tuple[list[str], int]:
    return [_error_text(error)], error.status_code


# --- account security: two-factor sign-in ---------------------------------------------------


def _security_page(request: HttpRequest, *, status: int = 200, **context: Any) -> HttpResponse:
    user = _user(request)
    base = {
        "mfa": mfa_selectors.mfa_status_get(user=user),
        "enrolment": mfa_selectors.mfa_pending_enrolment_get(user=user),
        "orcid_id": user.orcid_id,
        "orcid_enabled": settings.ORCID_LOGIN_ENABLED,
        "errors": [],
        "field_errors": {},
        "recovery_codes": None,
    }
    return _never_cached(render(request, SECURITY_TEMPLATE, base | context, status=status))


def _code_or_page(request: HttpRequest) -> str | HttpResponse:
    """The posted code (the API's serializer), or the page with its field error (400)."""
    serializer = MfaCodeInputSerializer(data=request.POST)
    if not serializer.is_valid():
        fields, general = _errors(serializer)
        return _security_page(request, status=400, field_errors=fields, errors=general)
    return str(serializer.validated_data["code"])


@login_required(login_url=LOGIN_URL)
@require_GET
def security_view(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@login_required(login_url=LOGIN_URL)
@require_POST
def mfa_enrol_view(request: HttpRequest) -> HttpResponse:
    """A new unconfirmed device; the page then shows its QR code and secret until confirmed."""
    try:
        mfa_services.mfa_enrol(user=_user(request))
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _security_page(request, status=status, errors=errors)
    return SeeOther(SECURITY_URL + "#enrol")


def _code_action(request: HttpRequest, action: Any) -> HttpResponse:
    """Run a two-factor action that needs a code; the codes it answers are shown this once."""
    code = _code_or_page(request)
    if isinstance(code, HttpResponse):
        return code
    try:
        codes = action(user=_user(request), code=code, request=request)
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _security_page(request, status=status, errors=errors)
    if codes is None:
        return SeeOther(SECURITY_URL)
    return _security_page(request, recovery_codes=codes)


@login_required(login_url=LOGIN_URL)
@require_POST
def mfa_confirm_view(request: HttpRequest) -> HttpResponse:
    return _code_action(request, mfa_services.mfa_confirm)


@login_required(login_url=LOGIN_URL)
@require_POST
def mfa_disable_view(request: HttpRequest) -> HttpResponse:
    return _code_action(request, mfa_services.mfa_disable)


@login_required(login_url=LOGIN_URL)
@require_POST
def mfa_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    return _code_action(request, mfa_services.mfa_recovery_codes_regenerate)


# --- ORCID: sign in, link, unlink ------------------------------------------------------------


def _orcid_callback_url(request: HttpRequest) -> str:
    """The pages' callback, on the configured callback's site when there is one (ORCID checks
    the redirect URI against the registered one), else on this request's."""
    configured = urlsplit(settings.ORCID_REDIRECT_URI)
    if configured.scheme and configured.netloc:
        return f"{configured.scheme}://{configured.netloc}{ORCID_CALLBACK_PATH}"
    return request.build_absolute_uri(ORCID_CALLBACK_PATH)


def _to_orcid(request: HttpRequest, link_user: User | None) -> HttpResponse:
    start = orcid_start(
        request=request, link_user=link_user, redirect_uri=_orcid_callback_url(request)
    )
    response = _never_cached(SeeOther(start.url))
    attempt_cookie_set(response, attempt=start.attempt, path=ORCID_COOKIE_PATH)
    return response


@require_GET
def orcid_login_view(request: HttpRequest) -> HttpResponse:
    try:
        return _to_orcid(request, None)
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _login_page(request, status=status, errors=errors)


@login_required(login_url=LOGIN_URL)
@require_POST
def orcid_link_view(request: HttpRequest) -> HttpResponse:
    try:
        return _to_orcid(request, _user(request))
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _security_page(request, status=status, errors=errors)


class _OrcidCallbackThrottle(RedisRateThrottle):
    scope = ORCID_LOGIN


@require_GET
def orcid_callback_view(request: HttpRequest) -> HttpResponse:
    try:
        _throttle(request, [_OrcidCallbackThrottle])
        _, linked = auth.orcid_callback_complete(
            request,
            code=request.GET.get("code", "")[:512],
            state=request.GET.get("state", "")[:256],
            redirect_uri=_orcid_callback_url(request),
        )
    except auth.SecondFactorRequired as required:
        response = _login_page(request, tab="2fa", challenge=required.challenge)
    except ApplicationError as error:
        errors, status = _error_status(error)
        if request.user.is_authenticated:
            response = _security_page(request, status=status, errors=errors)
        else:
            response = _login_page(request, status=status, errors=errors)
    else:
        response = SeeOther(SECURITY_URL if linked else "/")
    attempt_cookie_clear(response, path=ORCID_COOKIE_PATH)  # a state is tried once
    return _never_cached(response)


@login_required(login_url=LOGIN_URL)
@require_POST
def orcid_unlink_view(request: HttpRequest) -> HttpResponse:
    try:
        orcid_unlink(user=_user(request))
    except ApplicationError as error:
        errors, status = _error_status(error)
        return _security_page(request, status=status, errors=errors)
    return SeeOther(SECURITY_URL)
