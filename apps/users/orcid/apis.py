"""ORCID sign-in (``/auth/orcid/...``) and linking (``/me/orcid/...``)."""

from __future__ import annotations

from typing import cast

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.users.errors import (
    OrcidAlreadyLinked,
    OrcidAuthCancelled,
    OrcidAuthFailed,
    OrcidLastSignIn,
    OrcidLoginDisabled,
    OrcidNotLinked,
    OrcidStateInvalid,
    OrcidTaken,
    OrcidUnavailable,
    UserInactive,
)
from apps.users.mfa.serializers import SIGN_IN_RESPONSE
from apps.users.models import User
from apps.users.orcid.serializers import (
    OrcidAuthorizationUrlOutputSerializer,
    OrcidCallbackInputSerializer,
    OrcidLinkOutputSerializer,
)
from apps.users.orcid.services import (
    OrcidLinked,
    OrcidStart,
    orcid_complete,
    orcid_start,
    orcid_unlink,
)
from apps.users.orcid.state import attempt_cookie_clear, attempt_cookie_set
from apps.users.rates import ORCID_LOGIN
from apps.users.responses import sign_in_response
from scholarnet.api.errors import RateLimited, ValidationFailed
from scholarnet.api.schema import error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle

# Both the sign-in and the link callback are under /api/v1/auth/orcid/; the cookie goes there.
COOKIE_PATH = "/api/v1/auth/orcid/"

CALLBACK_DESCRIPTION = """Checks `state` against the `orcid_state` cookie and exchanges `code`
with ORCID. A sign-in answers the session (or `{mfa_required, challenge}`); the account is
created on the first sign-in. An attempt started by `POST /me/orcid/link` links the iD instead
and answers `{orcid: {id, verified}}`. Every answer clears the cookie."""


def _linked_body(user: User) -> dict:
    orcid = {"id": user.orcid_id, "verified": True} if user.orcid_id else None
    return OrcidLinkOutputSerializer({"orcid": orcid}).data


def _url_response(start: OrcidStart) -> Response:
    response = Response(OrcidAuthorizationUrlOutputSerializer({"url": start.url}).data)
    attempt_cookie_set(response, attempt=start.attempt, path=COOKIE_PATH)
    add_never_cache_headers(response)
    return response


class OrcidCallbackThrottle(RedisRateThrottle):
    scope = ORCID_LOGIN


@extend_schema(tags=["auth"])
class OrcidLoginViewSet(viewsets.ViewSet):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_orcid_authorize",
        summary="Start an ORCID sign-in",
        description="Answers ORCID's authorization URL and sets the orcid_state cookie.",
        responses={
            200: OrcidAuthorizationUrlOutputSerializer,
            **error_responses(OrcidLoginDisabled),
        },
    )
    @action(detail=False, methods=["get"], url_path="authorize", url_name="authorize")
    def authorize(self, request: Request) -> Response:
        return _url_response(orcid_start(request=request))

    @extend_schema(
        operation_id="auth_orcid_callback",
        summary="Finish an ORCID sign-in or link",
        description=CALLBACK_DESCRIPTION,
        parameters=[OrcidCallbackInputSerializer],
        responses={
            200: SIGN_IN_RESPONSE,
            **error_responses(
                ValidationFailed,
                OrcidStateInvalid,
                OrcidAuthCancelled,
                OrcidAuthFailed,
                OrcidTaken,
                OrcidAlreadyLinked,
                OrcidLoginDisabled,
                OrcidUnavailable,
                UserInactive,
                RateLimited,
            ),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="callback",
        url_name="callback",
        throttle_classes=[OrcidCallbackThrottle],
    )
    def callback(self, request: Request) -> Response:
        params = OrcidCallbackInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = orcid_complete(
            request=request,
            code=params.validated_data["code"],
            received_state=params.validated_data["state"],
        )
        if isinstance(result, OrcidLinked):
            return Response(_linked_body(result.user))
        return sign_in_response(result)

    def finalize_response(
        self, request: Request, response: Response, *args: object, **kwargs: object
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        if self.action == "callback":
            attempt_cookie_clear(response, path=COOKIE_PATH)  # a state is tried once
        return response


@extend_schema(tags=["users"])
class MeOrcidViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="me_orcid_link",
        summary="Start linking an ORCID iD to my account",
        description="Answers ORCID's authorization URL; the callback links the iD it proves.",
        request=None,
        responses={
            200: OrcidAuthorizationUrlOutputSerializer,
            **error_responses(OrcidLoginDisabled),
        },
    )
    @action(detail=False, methods=["post"], url_path="link")
    def link(self, request: Request) -> Response:
        return _url_response(orcid_start(request=request, link_user=cast(User, request.user)))

    @extend_schema(
        operation_id="me_orcid_unlink",
        summary="Unlink my ORCID iD",
        request=None,
        responses={
            200: OrcidLinkOutputSerializer,
            **error_responses(OrcidNotLinked, OrcidLastSignIn),
        },
    )
    @action(detail=False, methods=["post"], url_path="unlink")
    def unlink(self, request: Request) -> Response:
        return Response(_linked_body(orcid_unlink(user=cast(User, request.user))))
