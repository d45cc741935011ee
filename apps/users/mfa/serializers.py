from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from apps.users.serializers import AuthSessionTokensOutputSerializer


class MfaCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, trim_whitespace=True)


class MfaVerifyInputSerializer(serializers.Serializer):
    challenge = serializers.CharField(max_length=128)
    code = serializers.CharField(max_length=32, trim_whitespace=True)


class MfaEnrolOutputSerializer(serializers.Serializer):
    otpauth_uri = serializers.CharField()
    qr_svg = serializers.CharField(help_text="The otpauth URI as an inline SVG QR code.")


class MfaRecoveryCodesOutputSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Shown once; each signs in once."
    )


class MfaStatusOutputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    pending = serializers.BooleanField(help_text="Enrolled, waiting for the confirmation code.")
    recovery_codes_left = serializers.IntegerField()


class MfaChallengeOutputSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField()
    challenge = serializers.CharField()


# What every sign-in answers: the session, or (two-factor sign-in on) the challenge.
SIGN_IN_RESPONSE = PolymorphicProxySerializer(
    component_name="AuthSignIn",
    serializers=[AuthSessionTokensOutputSerializer, MfaChallengeOutputSerializer],
    resource_type_field_name=None,
)
