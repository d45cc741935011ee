"""The accounts and sessions API (v1): thin actions over services and selectors."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.users import schema_errors, selectors, services
from apps.users.authentication import SessionAuth
from apps.users.errors import RefreshNotAvailable
from apps.users.mfa.serializers import SIGN_IN_RESPONSE
from apps.users.mfa.services import sign_in
from apps.users.models import User, UserSession
from apps.users.responses import session_response, sign_in_response
from apps.users.serializers import (
    AuthRefreshInputSerializer,
    AuthSessionOutputSerializer,
    AuthSessionTokensOutputSerializer,
    AuthSmsLoginInputSerializer,
    AuthSmsSendInputSerializer,
    UserLoginInputSerializer,
    UserMeOutputSerializer,
    UserMeUpdateInputSerializer,
    UserPublicProfileOutputSerializer,
    UserRegisterInputSerializer,
)
from apps.users.sessions import auth_mode
from apps.users.sms_login import sms_login, sms_login_code_send
from apps.users.throttles import CodeSendIpThrottle, CodeSendPhoneThrottle, login_failures_limited
from scholarnet.api.schema import error_responses

SESSION_DELIVERY_NOTE = (
    "JWT mode: the tokens are also sent in the x-jwt-token and x-refresh-token headers. "
    "Cookie mode: the tokens are null and the ssid session cookie is set."
)
FAILURE_LIMIT_NOTE = (
    "Failed attempts are limited per account (or phone) and per client IP, checked before the "
    "secret is: over the limit the answer is 429 rate_limited with Retry-After, even for the "
    "right secret. A success clears the account's failures."
)
MFA_NOTE = (
    "For a user with two-factor sign-in the answer is {mfa_required: true, challenge} instead "
    "of a session; POST /api/v1/auth/2fa/verify finishes it."
)


def _signed_in(request: Request) -> tuple[User, SessionAuth]:
    """The user and session of a request that passed IsAuthenticated."""
    return cast(User, request.user), cast(SessionAuth, request.auth)


def _validated(serializer_class: type, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=["auth"])
class AuthViewSet(viewsets.ViewSet):
    # Sign-in endpoints ignore any credentials sent along: a stale token must not block them.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_register",
        summary="Create an account with email and password",
        request=UserRegisterInputSerializer,
        responses={201: UserMeOutputSerializer, **error_responses(*schema_errors.REGISTER)},
    )
    @action(detail=False, methods=["post"], url_path="register")
    def register(self, request: Request) -> Response:
        data = _validated(UserRegisterInputSerializer, request)
        user = services.user_register(**data)
        body = UserMeOutputSerializer(selectors.user_me_get(user=user)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="auth_login",
        summary="Sign in with email and password",
        description=SESSION_DELIVERY_NOTE + " " + FAILURE_LIMIT_NOTE + " " + MFA_NOTE,
        request=UserLoginInputSerializer,
        responses={
            200: SIGN_IN_RESPONSE,
            **error_responses(*schema_errors.LOGIN),
        },
    )
    @action(detail=False, methods=["post"], url_path="login")
    def login(self, request: Request) -> Response:
        data = _validated(UserLoginInputSerializer, request)
        with login_failures_limited(email=data["email"], request=request):
            user = services.user_authenticate(email=data["email"], password=data["password"])
        return sign_in_response(sign_in(user=user, request=request))

    @extend_schema(
        operation_id="auth_refresh",
        summary="Exchange a refresh token for a new pair",
        description="The refresh token is single-use; presenting a used one revokes the session.",
        request=AuthRefreshInputSerializer,
        responses={
            200: AuthSessionTokensOutputSerializer,
            **error_responses(*schema_errors.REFRESH),
        },
    )
    @action(detail=False, methods=["post"], url_path="refresh")
    def refresh(self, request: Request) -> Response:
        data = _validated(AuthRefreshInputSerializer, request)
        if auth_mode() == UserSession.Kind.COOKIE:
            raise RefreshNotAvailable()
        issued = services.session_refresh(refresh_token=data["refresh"], request=request)
        return session_response(issued)

    @extend_schema(
        operation_id="auth_sms_send",
        summary="Send a login code by SMS",
        request=AuthSmsSendInputSerializer,
        responses={
            202: OpenApiResponse(description="The code is on its way."),
            **error_responses(*schema_errors.SMS_SEND),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="sms/send",
        throttle_classes=[CodeSendIpThrottle, CodeSendPhoneThrottle],
    )
    def sms_send(self, request: Request) -> Response:
        data = _validated(AuthSmsSendInputSerializer, request)
        sms_login_code_send(phone=data["phone"])
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="auth_sms_login",
        summary="Sign in with a phone number and SMS code",
        description="The account is created on the first login. "
        + SESSION_DELIVERY_NOTE
        + " "
        + FAILURE_LIMIT_NOTE
        + " "
        + MFA_NOTE,
        request=AuthSmsLoginInputSerializer,
        responses={
            200: SIGN_IN_RESPONSE,
            **error_responses(*schema_errors.SMS_LOGIN),
        },
    )
    @action(detail=False, methods=["post"], url_path="sms/login")
    def sms_login(self, request: Request) -> Response:
        data = _validated(AuthSmsLoginInputSerializer, request)
        result = sms_login(phone=data["phone"], code=data["code"], request=request)
        return sign_in_response(result)


@extend_schema(tags=["auth"])
class AuthLogoutViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="auth_logout",
        summary="Sign out this session",
        description="The session's access and refresh tokens (or cookie) stop working at once.",
        request=None,
        responses={204: None, **error_responses(*schema_errors.LOGOUT)},
    )
    def create(self, request: Request) -> Response:
        user, auth = _signed_in(request)
        services.session_logout(user=user, session_id=auth.session_id, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"])
class AuthSessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = (IsAuthenticated,)
    serializer_class = AuthSessionOutputSerializer
    lookup_field = "sid"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.user_session_list(user=_signed_in(self.request)[0])

    def get_serializer_context(self) -> dict[str, Any]:
        auth = getattr(self.request, "auth", None)
        return {
            **super().get_serializer_context(),
            "current_session_id": getattr(auth, "session_id", None),
        }

    @extend_schema(
        operation_id="auth_sessions_list",
        summary="List my active sessions",
        responses={200: AuthSessionOutputSerializer(many=True)},
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        operation_id="auth_sessions_revoke",
        summary="Sign out one of my sessions",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Session id"
            )
        ],
        responses={204: None, **error_responses(*schema_errors.SESSION_REVOKE)},
    )
    def destroy(self, request: Request, id: str) -> Response:
        services.session_revoke(user=_signed_in(request)[0], session_id=id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["users"])
class UserViewSet(viewsets.ViewSet):
    permission_classes = (AllowAny,)
    lookup_value_regex = r"[0-9]{1,18}"  # fits a BIGINT: longer ids cannot exist

    @extend_schema(
        operation_id="users_retrieve",
        summary="A user's public profile",
        description="Never carries email, phone, birthday or anything private.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={
            200: UserPublicProfileOutputSerializer,
            **error_responses(*schema_errors.USER_RETRIEVE),
        },
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        profile = selectors.user_public_profile_get(user_id=int(pk), viewer=request.user)
        return Response(UserPublicProfileOutputSerializer(profile).data)

    @extend_schema(
        operation_id="users_me_retrieve",
        summary="My profile",
        responses={200: UserMeOutputSerializer},
    )
    @action(detail=False, methods=["get"], url_path="me", permission_classes=[IsAuthenticated])
    def me(self, request: Request) -> Response:
        user, _ = _signed_in(request)
        return Response(UserMeOutputSerializer(selectors.user_me_get(user=user)).data)

    @extend_schema(
        operation_id="users_me_update",
        summary="Edit my profile",
        request=UserMeUpdateInputSerializer,
        responses={200: UserMeOutputSerializer, **error_responses(*schema_errors.ME_UPDATE)},
    )
    @me.mapping.patch
    def me_update(self, request: Request) -> Response:
        serializer = UserMeUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(
            user=_signed_in(request)[0], data=serializer.validated_data
        )
        return Response(UserMeOutputSerializer(selectors.user_me_get(user=user)).data)
