"""``/api/v1/auth/2fa``: status, enrol, confirm, disable, new recovery codes (signed in) and
verify (sign-in)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.users.errors import (
    MfaAlreadyEnabled,
    MfaChallengeInvalid,
    MfaCodeInvalid,
    MfaNotEnabled,
    MfaNotEnrolled,
    MfaUnavailable,
    UserInactive,
)
from apps.users.mfa import selectors, services
from apps.users.mfa.serializers import (
    MfaCodeInputSerializer,
    MfaEnrolOutputSerializer,
    MfaRecoveryCodesOutputSerializer,
    MfaStatusOutputSerializer,
    MfaVerifyInputSerializer,
)
from apps.users.models import User
from apps.users.responses import session_response
from apps.users.serializers import AuthSessionTokensOutputSerializer
from scholarnet.api.errors import RateLimited, ValidationFailed
from scholarnet.api.schema import error_responses


def _code(request: Request) -> str:
    serializer = MfaCodeInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["code"]


@extend_schema(tags=["auth"])
class MfaViewSet(viewsets.ViewSet):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="auth_2fa_status",
        summary="Is two-factor sign-in on for me",
        responses={200: MfaStatusOutputSerializer},
    )
    def status(self, request: Request) -> Response:
        # Not "list": the answer is one object, which the schema must say (a list action's
        # answer is documented as an array).
        status = selectors.mfa_status_get(user=cast(User, request.user))
        return Response(MfaStatusOutputSerializer(status).data)

    @extend_schema(
        operation_id="auth_2fa_enrol",
        summary="Start enrolling an authenticator app",
        description="An unconfirmed device; confirm it with a code from the app.",
        request=None,
        responses={200: MfaEnrolOutputSerializer, **error_responses(MfaAlreadyEnabled)},
    )
    @action(detail=False, methods=["post"], url_path="enrol")
    def enrol(self, request: Request) -> Response:
        enrolment = services.mfa_enrol(user=cast(User, request.user))
        return Response(MfaEnrolOutputSerializer(enrolment).data)

    @extend_schema(
        operation_id="auth_2fa_confirm",
        summary="Confirm the enrolment and receive recovery codes",
        request=MfaCodeInputSerializer,
        responses={
            200: MfaRecoveryCodesOutputSerializer,
            **error_responses(ValidationFailed, MfaNotEnrolled, MfaCodeInvalid, RateLimited),
        },
    )
    @action(detail=False, methods=["post"], url_path="confirm")
    def confirm(self, request: Request) -> Response:
        codes = services.mfa_confirm(
            user=cast(User, request.user), code=_code(request), request=request
        )
        return Response(MfaRecoveryCodesOutputSerializer({"recovery_codes": codes}).data)

    @extend_schema(
        operation_id="auth_2fa_disable",
        summary="Turn two-factor sign-in off",
        description="Needs a fresh code from the app, or an unused recovery code.",
        request=MfaCodeInputSerializer,
        responses={
            204: None,
            **error_responses(ValidationFailed, MfaNotEnabled, MfaCodeInvalid, RateLimited),
        },
    )
    @action(detail=False, methods=["post"], url_path="disable")
    def disable(self, request: Request) -> Response:
        services.mfa_disable(user=cast(User, request.user), code=_code(request), request=request)
        return Response(status=204)

    @extend_schema(
        operation_id="auth_2fa_recovery_codes_regenerate",
        summary="Replace my recovery codes",
        description="Needs a fresh code from the app (not a recovery code). Answers ten new "
        "recovery codes, shown this once; every earlier code stops working at once.",
        request=MfaCodeInputSerializer,
        responses={
            200: MfaRecoveryCodesOutputSerializer,
            **error_responses(ValidationFailed, MfaNotEnabled, MfaCodeInvalid, RateLimited),
        },
    )
    @action(detail=False, methods=["post"], url_path="recovery-codes")
    def recovery_codes(self, request: Request) -> Response:
        codes = services.mfa_recovery_codes_regenerate(
            user=cast(User, request.user), code=_code(request), request=request
        )
        return Response(MfaRecoveryCodesOutputSerializer({"recovery_codes": codes}).data)


@extend_schema(tags=["auth"])
class MfaVerifyViewSet(viewsets.ViewSet):
    # The second step of sign-in: the challenge is the credential, not a token.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_2fa_verify",
        summary="Finish a sign-in with a TOTP or recovery code",
        description="Answers the session exactly as the first step would have without 2FA.",
        request=MfaVerifyInputSerializer,
        responses={
            200: AuthSessionTokensOutputSerializer,
            **error_responses(
                ValidationFailed,
                MfaChallengeInvalid,
                MfaCodeInvalid,
                UserInactive,
                RateLimited,
                MfaUnavailable,
            ),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = MfaVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.mfa_verify(**serializer.validated_data, request=request)
        return session_response(issued)
